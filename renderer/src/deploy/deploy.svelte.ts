/**
 * One-click deploy: the run and the target, the deploy job's phases (deploy.progress) and, when it
 * ends, the report it left in the run folder (deployed or failed, with the version that stays live).
 */
import { toShownError } from '../state/errors';

import type { DeployProgress } from '../../../core/api/contracts/deploy';
import type { BoardDeployReportJson, DeployReportJson } from '../../../core/api/contracts/runs';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';

export interface DeployOptions {
  runs: number;
  warmupRuns: number;
  /** Empty: the budget recorded in the run. */
  budgetMs: number | null;
}

export class DeployState {
  runDir: string | null = $state(null);
  deviceId: string | null = $state(null);
  options: DeployOptions = $state({ runs: 50, warmupRuns: 5, budgetMs: null });
  jobId: string | null = $state(null);
  events: readonly DeployProgress[] = $state.raw([]);
  /** The latest deployment to a phone, and to a board, recorded in the run. */
  report: DeployReportJson | null = $state.raw(null);
  boardReport: BoardDeployReportJson | null = $state.raw(null);
  starting = $state(false);
  error: ShownError | null = $state.raw(null);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  attach(): () => void {
    const offProgress = this.#client.on('deploy.progress', (event) => {
      if (event.runId === this.jobId) this.events = [...this.events, event];
    });
    const offJobs = this.#client.on('jobs.changed', (job) => {
      if (job.runId === this.jobId && job.state !== 'running' && job.state !== 'queued') void this.loadReport();
    });
    return () => {
      offProgress();
      offJobs();
    };
  }

  async start(): Promise<void> {
    const { runDir, deviceId } = this;
    if (runDir === null || deviceId === null) return;
    this.starting = true;
    this.error = null;
    this.report = null;
    this.boardReport = null;
    this.events = [];
    try {
      const { runs, warmupRuns, budgetMs } = this.options;
      const { runId } = await this.#client.api.deploy.run({ runDir, deviceId, runs, warmupRuns, ...(budgetMs === null || !(budgetMs > 0) ? {} : { budgetMs }) });
      this.jobId = runId;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    if (this.jobId === null) return;
    try {
      await this.#client.api.jobs.cancel({ runId: this.jobId });
    } catch (error) {
      this.error = toShownError(error);
    }
  }

  /** The report of the chosen run (also one a deploy wrote earlier). */
  async loadReport(): Promise<void> {
    const runDir = this.runDir;
    if (runDir === null) return;
    try {
      const { report, board } = await this.#client.api.runs.deployReport({ runDir });
      if (runDir !== this.runDir) return;
      this.report = report;
      this.boardReport = board.report;
    } catch (error) {
      this.error = toShownError(error);
    }
  }
}
