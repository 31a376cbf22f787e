/**
 * The editor's current run: which nodes it covers and each node's state (pipeline.nodeState),
 * caught up with pipeline.runStatus when the link reopens. Cancelling cancels the run's job.
 */
import { isStudioError } from '../../../core/shared/errors';
import { toShownError } from '../state/errors';

import { NO_NODE_STATES, withNodeStates } from './node-status';

import type { NodeStateEvent, PipelineIssue } from '../../../core/api/contracts/pipeline';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';

export interface RunStart {
  readonly document: unknown;
  readonly path: string | null;
  /** Run only this node and what it depends on. */
  readonly upTo?: string;
}

export class RunState {
  runId: string | null = $state(null);
  runDir: string | null = $state(null);
  nodes: ReadonlyMap<string, NodeStateEvent> = $state.raw(NO_NODE_STATES);
  starting = $state(false);
  error: ShownError | null = $state.raw(null);
  /** When a run was refused because the pipeline is invalid: its issues. */
  refusedIssues: readonly PipelineIssue[] = $state.raw([]);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  attach(): () => void {
    return this.#client.on('pipeline.nodeState', (event) => {
      if (event.runId !== this.runId) return;
      this.nodes = withNodeStates(this.nodes, [event]);
    });
  }

  stateOf(nodeId: string): NodeStateEvent | null {
    return this.nodes.get(nodeId) ?? null;
  }

  get active(): boolean {
    return [...this.nodes.values()].some((node) => node.state === 'pending' || node.state === 'running');
  }

  async start(request: RunStart): Promise<void> {
    this.starting = true;
    this.error = null;
    this.refusedIssues = [];
    const path = request.path === null ? {} : { path: request.path };
    try {
      const started =
        request.upTo === undefined
          ? await this.#client.api.pipeline.run({ document: request.document, ...path })
          : await this.#client.api.pipeline.runUpTo({ document: request.document, nodeId: request.upTo, ...path });
      this.runId = started.runId;
      this.runDir = started.runDir;
      this.nodes = NO_NODE_STATES;
      await this.refresh();
    } catch (error) {
      this.error = toShownError(error);
      if (isStudioError(error, 'input/invalid')) this.refusedIssues = issuesOf(error.details);
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    if (this.runId === null) return;
    try {
      await this.#client.api.jobs.cancel({ runId: this.runId });
    } catch (error) {
      this.error = toShownError(error);
    }
  }

  /** Catches up after a reconnect (events sent while the link was down are lost). */
  async refresh(): Promise<void> {
    if (this.runId === null) return;
    try {
      const status = await this.#client.api.pipeline.runStatus({ runId: this.runId });
      this.nodes = withNodeStates(this.nodes, status.nodes);
    } catch (error) {
      // A restarted backend has forgotten the run: its nodes are no longer live.
      if (isStudioError(error, 'input/not-found')) this.nodes = NO_NODE_STATES;
      else this.error = toShownError(error);
    }
  }

  clear(): void {
    this.runId = null;
    this.runDir = null;
    this.nodes = NO_NODE_STATES;
    this.error = null;
    this.refusedIssues = [];
  }
}

function issuesOf(details: unknown): PipelineIssue[] {
  const issues = (details as { issues?: unknown } | null | undefined)?.issues;
  return Array.isArray(issues) ? (issues as PipelineIssue[]) : [];
}
