/**
 * Evaluate node: test (or validation) accuracy of the dense backbone and of the pruned SPViT model
 * (tokens removed, the chosen inference mode), achieved keep ratios per selector, GFLOPs dense and
 * pruned, LUT-predicted latency, and the token maps of a few images for the token view.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../../shared/errors';
import { createModel } from '../../models/registry';
import { loadWeightsFile } from '../../models/weights';
import { loadSpvitCheckpoint } from '../../spvit/checkpoint';
import { tokenMaps } from '../../spvit/token-map';
import { evaluateDataset } from '../../train/evaluate-dataset';
import { parameterLayout, readParameters } from '../../train/parameter-layout';
import { createReplicaGroup } from '../../train/replica-group';
import { LossWeightsSchema } from '../../train/replica-spec';

import { openDatasetValue } from './dataset';
import { denseGflops, predictedLatencyMs, prunedGflops } from './evaluate-cost';
import { resolveWorkers } from './train-stage';

import type { Dataset } from '../../data/dataset';
import type { SelectorPosition } from '../../latency/layout';
import type { ModelSpec } from '../../models/architecture';
import type { Jsonable } from '../../shared/jsonable';
import type { SpvitModel } from '../../spvit/model';
import type { SpvitSettings } from '../../spvit/settings';
import type { DatasetEvaluation } from '../../train/evaluate-dataset';
import type { ReplicaSpec } from '../../train/replica-spec';
import type { ExecutorContext, NodeExecutor } from '../executors';
import type { BackboneValue, DatasetValue, LatencyTableValue } from '../port-values';

/** What the train executor puts on its model port (the fields evaluate reads). */
export interface TrainedModelValue {
  dir: string;
  weightsPath: string;
  denseWeightsPath: string;
  spec: ModelSpec;
  spvit: SpvitSettings | null;
  positions?: SelectorPosition[];
  targets?: number[];
  budgetMs?: number | null;
  lut?: { path: string; source: string } | null;
  dataset?: DatasetValue;
  backbone?: BackboneValue;
}

export interface EvaluateExecutorOptions {
  workers?: number;
  backend?: string;
}

interface EvalRun {
  context: ExecutorContext<'evaluate'>;
  options: EvaluateExecutorOptions;
  dataset: Dataset;
}

async function evaluateWith(run: EvalRun, spec: ReplicaSpec, parameters: Float32Array, pruned: boolean): Promise<DatasetEvaluation> {
  const { context, options, dataset } = run;
  const config = context.node.config;
  const group = await createReplicaGroup({ spec, workers: options.workers ?? resolveWorkers('auto', undefined), backend: options.backend ?? tf.getBackend() });
  try {
    group.setParameters(parameters);
    const label = pruned ? `pruned (${config.inferenceMode})` : 'dense';
    return await evaluateDataset({
      group, dataset, pruned, mode: config.inferenceMode, batchSize: config.batchSize,
      ...(config.limit === undefined ? {} : { limit: config.limit }),
      signal: context.signal,
      onBatch: (done, total) => context.progress(done / total, `${label}: ${done}/${total} images`),
    });
  } finally {
    await group.close();
  }
}

/**
 * The dense model's accuracy, cached next to its weights so several evaluate nodes (one per
 * inference mode, say) do not repeat it; the cache names the weights file's size and time.
 */
async function denseAccuracy(run: EvalRun, model: TrainedModelValue): Promise<DatasetEvaluation> {
  const { split, limit } = run.context.node.config;
  const cacheFile = join(model.dir, `dense-eval-${split}-${limit ?? 'all'}.json`);
  const weights = await stat(model.denseWeightsPath);
  const key = `${model.denseWeightsPath}:${weights.size}:${weights.mtimeMs}`;
  const cached = await readFile(cacheFile, 'utf8').then(
    (text) => JSON.parse(text) as { key: string; evaluation: DatasetEvaluation },
    () => null,
  );
  if (cached?.key === key) return cached.evaluation;
  const reference = createModel(model.spec, { seed: 0 });
  try {
    await loadWeightsFile(reference, model.denseWeightsPath);
    const entries = reference.parameters();
    const evaluation = await evaluateWith(run, { kind: 'dense', spec: model.spec, seed: 0, labelSmoothing: 0 }, readParameters(entries, parameterLayout(entries, { spvit: false })), false);
    await writeFile(cacheFile, `${JSON.stringify({ key, evaluation })}\n`, 'utf8');
    return evaluation;
  } finally {
    reference.dispose();
  }
}

async function writeTokenMaps(run: EvalRun, spvit: SpvitModel): Promise<string | null> {
  const count = Math.min(run.context.node.config.visualise, run.dataset.length);
  if (count === 0) return null;
  const batch = run.dataset.getBatch(Array.from({ length: count }, (_, i) => i));
  const maps = tokenMaps(spvit, { shape: [...batch.shape], data: batch.images }, { mode: run.context.node.config.inferenceMode });
  const path = join(run.context.nodeDir, 'token-maps.json');
  await writeFile(path, `${JSON.stringify({ labels: Array.from(batch.labels), classNames: run.dataset.classNames, ...maps })}\n`, 'utf8');
  return path;
}

async function evaluateNode(context: ExecutorContext<'evaluate'>, options: EvaluateExecutorOptions): Promise<Record<string, Jsonable>> {
  const config = context.node.config;
  const model = context.inputs['model'] as unknown as TrainedModelValue;
  const datasetValue = (context.inputs['dataset'] as DatasetValue | undefined) ?? model.dataset;
  if (datasetValue === undefined) {
    throw new StudioError('input/invalid', `Evaluate node '${context.node.id}' has no dataset: connect one, or feed it a model trained in this pipeline.`, {
      details: { nodeId: context.node.id, field: 'inputs.dataset' },
      hint: 'Connect a dataset node to the evaluate node.',
    });
  }
  const opened = await openDatasetValue(datasetValue);
  const run: EvalRun = { context, options, dataset: config.split === 'test' ? opened.test : opened.val };
  const dense = await denseAccuracy(run, model);
  const gflopsDense = denseGflops(model.spec);
  context.metrics.write({ name: 'evaluate/accuracy', value: dense.accuracy, extra: { model: 'dense', split: config.split } });
  if (model.spvit === null) {
    return { evaluation: { accuracy: dense.accuracy, accuracyDense: dense.accuracy, accuracyPruned: null, images: dense.images, split: config.split, gflopsDense } };
  }
  const spvit = await loadSpvitCheckpoint(model.weightsPath);
  try {
    const entries = spvit.parameters();
    const lossDefaults = LossWeightsSchema.parse({});
    const spec: ReplicaSpec = { kind: 'spvit', spec: model.spec, settings: model.spvit, seed: 0, labelSmoothing: 0, loss: lossDefaults, targets: model.targets ?? model.spvit.keepRatios, gumbelTau: 1, hinge: null };
    const pruned = await evaluateWith(run, spec, readParameters(entries, parameterLayout(entries, { spvit: true })), true);
    context.metrics.write({ name: 'evaluate/accuracy', value: pruned.accuracy, extra: { model: 'pruned', split: config.split, mode: config.inferenceMode } });
    const grids = pruned.keepRatios.map((_, s) => (model.backbone?.shape.stages[model.positions?.[s]?.stage ?? 0]?.spatialTokens ?? 0));
    const keptTokens = pruned.keepRatios.map((ratio, s) => ratio * (grids[s] ?? 0));
    const positions = model.positions ?? [];
    const shape = model.backbone?.shape;
    const gflopsPruned = shape === undefined ? null : prunedGflops({ spec: model.spec, shape, positions, keptTokens });
    const lutPath = (context.inputs['lut'] as LatencyTableValue | undefined)?.path ?? model.lut?.path ?? null;
    const latency = lutPath === null ? null : await predictedLatencyMs(lutPath, positions, keptTokens);
    const tokenMapsPath = await writeTokenMaps(run, spvit);
    const evaluation = {
      accuracy: pruned.accuracy,
      accuracyDense: dense.accuracy,
      accuracyPruned: pruned.accuracy,
      images: pruned.images,
      split: config.split,
      inferenceMode: config.inferenceMode,
      keepRatioTarget: model.targets ?? model.spvit.keepRatios,
      keepRatioAchieved: pruned.keepRatios,
      keptTokens,
      gflopsDense,
      gflopsPruned,
      latencyMs: { budget: model.budgetMs ?? null, predicted: latency?.prunedMs ?? null, measured: null },
      lutSource: latency?.source ?? null,
      tokenMapsPath,
    };
    return { evaluation: JSON.parse(JSON.stringify(evaluation)) as Jsonable };
  } finally {
    spvit.dispose();
  }
}

export function createEvaluateExecutor(options: EvaluateExecutorOptions = {}): NodeExecutor<'evaluate'> {
  return { kind: 'evaluate', execute: (context) => evaluateNode(context, options) };
}
