/**
 * Pipeline runs started from the editor: core/pipeline's runner as a job, each node's state
 * (pending, running with progress, done, failed with its error) sent as `pipeline.nodeState` and
 * kept, so a page that reconnects can ask for it again.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { readRunReport, runPipeline, validatePipeline } from '../../../core/pipeline';
import { writeRunSummary } from '../../../core/pipeline/executors/evaluate-summary';
import { runnablePart } from '../../../core/pipeline/executors/train-executors';
import { StudioError, toSerializedError } from '../../../core/shared/errors';
import { planPipeline } from '../../../core/pipeline/plan';

import type { EditorDocument, NodeStateEvent } from '../../../core/api/contracts/pipeline';
import type { TrainingProgress } from '../../../core/api/contracts/training';
import type { DeviceKindRegistry, ExecutorRegistry, RunEvent } from '../../../core/pipeline';
import type { JobManager } from '../job-manager';

export interface PipelineRunEmitter {
  nodeState(event: NodeStateEvent): void;
  metric(event: { runId: string; nodeId: string; name: string; value: number; step?: number; epoch?: number; at: string }): void;
  trainingProgress(event: TrainingProgress): void;
}

/** Executors for one run; training progress goes to the given listener. */
export type RegistryFactory = (onTrainingProgress: (nodeId: string, progress: Omit<TrainingProgress, 'runId' | 'nodeId'>) => void) => ExecutorRegistry;

export interface StartRunOptions {
  document: unknown;
  /** Folder that relative paths in the document are relative to. */
  baseDir: string;
  /** Run only this node and what it depends on. */
  upTo?: string;
  /** Names the document in error messages. */
  origin: string;
}

interface RunRecord {
  runDir: string;
  order: string[];
  nodes: Map<string, NodeStateEvent>;
}

/** The node and every node it reads from, directly or not, as a document of their own. */
export function upstreamDocument(document: unknown, nodeId: string): unknown {
  const doc = document as Partial<EditorDocument> | null;
  const nodes = Array.isArray(doc?.nodes) ? doc.nodes : [];
  const edges = Array.isArray(doc?.edges) ? doc.edges : [];
  if (!nodes.some((node) => node.id === nodeId)) {
    throw new StudioError('input/invalid', `The pipeline has no node '${nodeId}'`, { details: { nodeId }, hint: 'Select a node of this pipeline to run up to it.' });
  }
  const keep = new Set([nodeId]);
  const queue = [nodeId];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const edge of edges) {
      if (edge.to.node === id && !keep.has(edge.from.node)) {
        keep.add(edge.from.node);
        queue.push(edge.from.node);
      }
    }
  }
  return {
    ...doc,
    nodes: nodes.filter((node) => keep.has(node.id)),
    edges: edges.filter((edge) => keep.has(edge.from.node) && keep.has(edge.to.node)),
  };
}

export class PipelineRuns {
  readonly #runs = new Map<string, RunRecord>();
  readonly #jobs: JobManager;
  readonly #runsDir: string;
  readonly #registry: RegistryFactory;
  readonly #deviceKinds: DeviceKindRegistry;

  constructor(options: { jobs: JobManager; runsDir: string; registry: RegistryFactory; deviceKinds: DeviceKindRegistry }) {
    this.#jobs = options.jobs;
    this.#runsDir = options.runsDir;
    this.#registry = options.registry;
    this.#deviceKinds = options.deviceKinds;
  }

  start(options: StartRunOptions, emit: PipelineRunEmitter): { runId: string; runDir: string; order: string[] } {
    const document = options.upTo === undefined ? options.document : upstreamDocument(options.document, options.upTo);
    const runId = `pipeline-${randomUUID().slice(0, 8)}`;
    const registry = this.#registry((nodeId, progress) => emit.trainingProgress({ runId, nodeId, ...progress }));
    // Nodes this studio build has no executor for (and what depends on them) are skipped, and say so.
    const { pipeline, skipped } = runnablePart(validatePipeline(document, { origin: options.origin, deviceKinds: this.#deviceKinds }), registry);
    const order = planPipeline(pipeline).map((step) => step.node.id);
    const runDir = join(this.#runsDir, runId);
    const record: RunRecord = { runDir, order, nodes: new Map() };
    this.#runs.set(runId, record);
    const update = (nodeId: string, change: Partial<NodeStateEvent>): void => {
      const previous = record.nodes.get(nodeId) ?? { runId, nodeId, state: 'idle', progress: null, message: '', error: null, durationMs: null };
      const next: NodeStateEvent = { ...previous, ...change };
      record.nodes.set(nodeId, next);
      emit.nodeState(next);
    };
    for (const nodeId of order) update(nodeId, { state: 'pending', message: 'waiting' });
    for (const entry of skipped) {
      const nodeId = entry.split(' ')[0] ?? entry;
      update(nodeId, { state: 'skipped', message: 'no executor for this node kind in this studio build (or an upstream node)' });
    }
    const title = options.upTo === undefined ? `Run ${pipeline.name}` : `Run ${pipeline.name} up to ${options.upTo}`;
    this.#jobs.start({
      kind: 'pipeline',
      title,
      runId,
      work: async ({ signal, report }) => {
        let finished = 0;
        const onEvent = (event: RunEvent): void => {
          if (event.kind === 'metric') {
            const { nodeId, name, value, at, step, epoch } = event.record;
            emit.metric({ runId, nodeId, name, value, at, ...(step === undefined ? {} : { step }), ...(epoch === undefined ? {} : { epoch }) });
            return;
          }
          if (event.kind === 'node-started') {
            update(event.nodeId, { state: 'running', progress: null, message: 'running' });
            report(finished / order.length, `${event.nodeId}: running`);
          } else if (event.kind === 'progress') {
            update(event.nodeId, { state: 'running', progress: event.fraction, message: event.message });
            report((finished + (event.fraction ?? 0)) / order.length, `${event.nodeId}: ${event.message}`);
          } else {
            if (event.status === 'done' || event.status === 'reused') finished += 1;
            const state = event.status;
            update(event.nodeId, { state, progress: state === 'done' || state === 'reused' ? 1 : null, message: state, durationMs: event.durationMs });
            report(finished / order.length, `${event.nodeId}: ${state}`);
          }
        };
        try {
          const result = await runPipeline({ pipeline, document, runDir, registry, baseDir: options.baseDir, signal, onEvent });
          return { runDir, status: result.status, skipped, ...(await writeRunSummary(runDir)) };
        } catch (error) {
          await this.#recordFailure(record, update, error);
          throw error;
        }
      },
    });
    return { runId, runDir, order };
  }

  status(runId: string): { runId: string; runDir: string; order: string[]; nodes: NodeStateEvent[] } {
    const record = this.#runs.get(runId);
    if (record === undefined) {
      throw new StudioError('input/not-found', `No pipeline run ${runId} in this session`, { details: { runId }, hint: 'Runs from before the studio restarted are in their run folders.' });
    }
    return { runId, runDir: record.runDir, order: record.order, nodes: [...record.nodes.values()] };
  }

  /** Puts each failed node's own error (from report.json) on it; nodes never reached go back to idle. */
  async #recordFailure(record: RunRecord, update: (nodeId: string, change: Partial<NodeStateEvent>) => void, error: unknown): Promise<void> {
    const report = await readRunReport(record.runDir).catch(() => null);
    for (const nodeId of record.order) {
      const node = report?.nodes[nodeId];
      const current = record.nodes.get(nodeId);
      if (node?.status === 'failed' || node?.status === 'cancelled') {
        const nodeError = node.error ?? toSerializedError(error);
        update(nodeId, { state: node.status, progress: null, message: nodeError.message, error: nodeError });
      } else if (current?.state === 'pending') {
        update(nodeId, { state: 'idle', message: 'not run' });
      }
    }
  }
}
