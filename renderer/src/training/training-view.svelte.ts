/**
 * The Training dashboard: which run is shown, its curves (metrics.jsonl, then live
 * training.progress), its report when it ends; start a run from the editor's pipeline, pause
 * (stop at once; the next start resumes from the last checkpoint) and resume.
 */
import { toShownError } from '../state/errors';

import { mergeRecords, progressToRecords } from './training-series';

import type { MetricRecordJson, RunSummary } from '../../../core/api/contracts/runs';
import type { TrainingProgress, TrainingReport } from '../../../core/api/contracts/training';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';

const RUN_KINDS: ReadonlySet<string> = new Set(['training', 'pipeline']);

export function folderOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

export class TrainingViewState {
  runs: readonly RunSummary[] = $state.raw([]);
  selectedRunId: string | null = $state(null);
  records: readonly MetricRecordJson[] = $state.raw([]);
  latest: TrainingProgress | null = $state.raw(null);
  report: TrainingReport | null = $state.raw(null);
  busy = $state(false);
  error: ShownError | null = $state.raw(null);
  readonly #client: StudioClient;
  /** Runs already followed (bookkeeping only, never shown). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state: nothing renders it
  readonly #followed = new Set<string>();

  constructor(client: StudioClient) {
    this.#client = client;
  }

  attach(): () => void {
    const offProgress = this.#client.on('training.progress', (progress) => {
      // A run that starts training is followed (its curves so far come from its metrics file).
      if (!this.#followed.has(progress.runId)) {
        this.#followed.add(progress.runId);
        if (progress.runId !== this.selectedRunId) void this.select(progress.runId);
      }
      if (progress.runId !== this.selectedRunId) return;
      this.records = mergeRecords(this.records, progressToRecords(progress));
      this.latest = progress;
    });
    const offJobs = this.#client.on('jobs.changed', (job) => {
      if (!RUN_KINDS.has(job.kind) || job.state === 'running' || job.state === 'queued') return;
      void this.refresh();
      if (job.runId === this.selectedRunId) void this.#loadReport(job.runId);
    });
    return () => {
      offProgress();
      offJobs();
    };
  }

  async refresh(): Promise<void> {
    await this.#guard(async () => {
      this.runs = (await this.#client.api.runs.list({})).runs;
      const first = this.runs.find((run) => run.hasModel || run.status === 'running') ?? this.runs[0];
      if (this.selectedRunId === null && first !== undefined) await this.select(first.runId);
    });
  }

  async select(runId: string): Promise<void> {
    this.selectedRunId = runId;
    this.records = [];
    this.latest = null;
    this.report = null;
    await this.#guard(async () => {
      const { records } = await this.#client.api.runs.metrics({ runId });
      // Live events that came in while the file was read are kept.
      if (this.selectedRunId === runId) this.records = mergeRecords(records, this.records);
    });
    await this.#loadReport(runId);
  }

  /** Trains the editor's pipeline (its train node and what it needs; nodes without an executor are left out). */
  async start(document: unknown, path: string | null): Promise<void> {
    await this.#guard(async () => {
      const { runId } = await this.#client.api.training.start({ pipeline: document, ...(path === null ? {} : { baseDir: folderOf(path) }) });
      this.#followed.add(runId);
      this.selectedRunId = runId;
      this.records = [];
      this.latest = null;
      this.report = null;
    });
  }

  async pause(): Promise<void> {
    const runId = this.selectedRunId;
    if (runId !== null) await this.#guard(async () => void (await this.#client.api.jobs.cancel({ runId })));
  }

  async resume(): Promise<void> {
    const runId = this.selectedRunId;
    if (runId === null) return;
    this.report = null;
    await this.#guard(async () => void (await this.#client.api.training.start({ resumeRunId: runId })));
  }

  async #loadReport(runId: string): Promise<void> {
    try {
      const report = await this.#client.api.training.report({ runId });
      if (this.selectedRunId === runId) this.report = report;
    } catch (error) {
      // A run that has not written its report yet has none to show; other failures are shown.
      if (this.selectedRunId === runId && (error as { code?: string }).code !== 'input/not-found') this.error = toShownError(error);
    }
  }

  async #guard(action: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await action();
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.busy = false;
    }
  }
}
