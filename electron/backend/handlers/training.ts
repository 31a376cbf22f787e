/**
 * training.*: a pipeline (or one training configuration) run as a job under the data folder, with
 * `training.progress` events from the trainer, the run's headline report, and token maps of the
 * trained model on sample images.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createCoreExecutorRegistry } from '../../../core/pipeline/core-executors';
import { openDatasetValue } from '../../../core/pipeline/executors/dataset';
import { summariseRun, writeRunSummary } from '../../../core/pipeline/executors/evaluate-summary';
import { registerTrainingExecutors, runnablePart } from '../../../core/pipeline/executors/train-executors';
import { RUN_FILES, readRunReport } from '../../../core/pipeline/run-folder';
import { runPipeline } from '../../../core/pipeline/runner';
import { validatePipeline } from '../../../core/pipeline/validate';
import { StudioError } from '../../../core/shared/errors';
import { loadSpvitCheckpoint } from '../../../core/spvit/checkpoint';
import { tokenMaps } from '../../../core/spvit/token-map';

import type { TrainingRunConfig } from '../../../core/api/contracts/training';
import type { DatasetValue } from '../../../core/pipeline/port-values';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

/** The usual chain as a pipeline document: dataset -> backbone -> [latency table] -> train -> evaluate. */
export function configToPipeline(config: TrainingRunConfig): unknown {
  const nodes: unknown[] = [
    { id: 'dataset', kind: 'dataset', config: config.dataset },
    { id: 'backbone', kind: 'backbone', config: config.backbone },
    { id: 'train', kind: 'train', config: config.train },
    { id: 'evaluate', kind: 'evaluate', config: config.evaluate ?? {} },
  ];
  const edge = (from: string, fromPort: string, to: string, toPort: string): unknown => ({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } });
  const edges = [edge('dataset', 'dataset', 'train', 'dataset'), edge('backbone', 'backbone', 'train', 'backbone'), edge('train', 'model', 'evaluate', 'model'), edge('dataset', 'dataset', 'evaluate', 'dataset')];
  if (config.latencyTable !== undefined) {
    nodes.push({ id: 'lut', kind: 'latency-table', config: config.latencyTable });
    edges.push(edge('backbone', 'backbone', 'lut', 'backbone'), edge('lut', 'lut', 'train', 'lut'), edge('lut', 'lut', 'evaluate', 'lut'));
  }
  return { version: 1, name: config.name, nodes, edges };
}

function notFound(runId: string): StudioError {
  return new StudioError('input/not-found', `No training run '${runId}'.`, { details: { runId }, hint: 'Start one with training.start; finished runs stay in the data folder.' });
}

async function readDocument(runDir: string, runId: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(runDir, RUN_FILES.pipeline), 'utf8')) as unknown;
  } catch (error) {
    throw new StudioError('input/not-found', `Run '${runId}' has no pipeline.json to resume from.`, { cause: error, details: { runId, runDir }, hint: 'Start a new run instead.' });
  }
}

export function trainingHandlers(deps: BackendDeps): BackendHandlers<'training.start' | 'training.report' | 'training.tokenMaps'> {
  const runsDir = join(deps.dataDir, 'training');
  const runDirOf = (runId: string): string => {
    if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw notFound(runId);
    return join(runsDir, runId);
  };
  return {
    'training.start': async (params, { emit }) => {
      const runId = params.resumeRunId ?? `training-${randomUUID().slice(0, 8)}`;
      const runDir = runDirOf(runId);
      const previous = await readRunReport(runDir);
      if (params.resumeRunId !== undefined && previous === null) throw notFound(runId);
      const document = params.pipeline ?? (params.config === undefined ? await readDocument(runDir, runId) : configToPipeline(params.config));
      const backend = deps.tensorBackend();
      const registry = registerTrainingExecutors(createCoreExecutorRegistry(), {
        ...(params.workers === undefined ? {} : { workers: params.workers }),
        ...(backend === null ? {} : { backend }),
        onProgress: (nodeId, progress) => emit('training.progress', { runId, nodeId, ...progress }),
      });
      const { pipeline } = runnablePart(validatePipeline(document, { origin: runId }), registry);
      deps.jobs.start({
        kind: 'training',
        title: `Train ${pipeline.name}`,
        runId,
        work: async ({ signal, report }) => {
          const result = await runPipeline({
            pipeline, document, runDir, registry, baseDir: params.baseDir ?? deps.dataDir, signal, resume: previous !== null,
            onEvent: (event) => {
              if (event.kind === 'progress') report(event.fraction, `${event.nodeId}: ${event.message}`);
            },
          });
          const summary = await writeRunSummary(runDir);
          return { runDir, status: result.status, ...summary };
        },
      });
      return { runId };
    },
    'training.report': async ({ runId }) => {
      const runDir = runDirOf(runId);
      const report = await readRunReport(runDir);
      if (report === null) throw notFound(runId);
      return { runId, runDir, status: report.status, ...summariseRun(report) };
    },
    'training.tokenMaps': async ({ runId, images, split, mode }) => {
      const runDir = runDirOf(runId);
      const report = await readRunReport(runDir);
      const model = Object.values(report?.nodes ?? {}).find((node) => node.kind === 'train' && node.status === 'done')?.outputs?.['model'] as { weightsPath?: string; dataset?: DatasetValue; spvit?: unknown } | undefined;
      if (model?.weightsPath === undefined || model.dataset === undefined || model.spvit === null) {
        throw new StudioError('input/invalid', `Run '${runId}' has no trained SPViT model yet.`, { details: { runId }, hint: 'Wait for the train node to finish (with an spvit stage).' });
      }
      const opened = await openDatasetValue(model.dataset);
      const dataset = split === 'test' ? opened.test : split === 'val' ? opened.val : opened.train;
      const count = Math.min(images, dataset.length);
      const batch = dataset.getBatch(Array.from({ length: count }, (_, i) => i));
      const spvit = await loadSpvitCheckpoint(model.weightsPath);
      try {
        const maps = tokenMaps(spvit, { shape: [...batch.shape], data: batch.images }, mode === undefined ? {} : { mode });
        return { ...maps, labels: Array.from(batch.labels), classNames: [...dataset.classNames], imageShape: [...batch.shape], pixels: Array.from(batch.images) };
      } finally {
        spvit.dispose();
      }
    },
  };
}
