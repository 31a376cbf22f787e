/**
 * Train node: dense pre-training (optional), then SPViT to a latency budget (LUT -> budget solver ->
 * keep-ratio targets -> training with the ratio loss, the distillation losses and the optional
 * latency hinge). Both stages checkpoint into the node's folder and resume from there. Writes the
 * dense weights (nodes/<id>/dense.safetensors) and the SPViT model (model.safetensors in the run).
 */
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../../shared/errors';
import { createModel } from '../../models/registry';
import { saveWeightsFile } from '../../models/weights';
import { calibrateKeepThresholds } from '../../spvit/calibrate-thresholds';
import { saveSpvitCheckpoint } from '../../spvit/checkpoint';
import { wrapBackbone } from '../../spvit/load';
import { writeAtomically } from '../../train/atomic-file';
import { parameterLayout, readParameters, writeParameters } from '../../train/parameter-layout';
import { evaluateDataset } from '../../train/evaluate-dataset';
import { createReplicaGroup } from '../../train/replica-group';
import { LossWeightsSchema } from '../../train/replica-spec';

import { loadBackboneWeights } from './backbone';
import { openDatasetValue } from './dataset';
import { checkpointStart } from './train-from-checkpoint';
import { searchPhases } from './train-phase';
import { planSpvit } from './train-targets';
import { resolveWorkers, runStage } from './train-stage';

import type { Dataset } from '../../data/dataset';
import type { CalibrationImages } from '../../spvit/calibrate-thresholds';
import type { BackboneModel } from '../../models/model';
import type { ParameterEntry } from '../../tensor/parameters';
import type { DatasetEvaluation } from '../../train/evaluate-dataset';
import type { Jsonable } from '../../shared/jsonable';
import type { TrainProgress } from '../../train/train-types';
import type { ExecutorContext, NodeExecutor } from '../executors';
import type { BackboneValue, DatasetValue, LatencyTableValue } from '../port-values';
import type { StageHostOptions } from './train-stage';
import type { SpvitPlan } from './train-targets';

export interface TrainExecutorOptions {
  /** Overrides the node's `workers` (the CLI's --workers); 0 trains in this thread. */
  workers?: number;
  /** tfjs backend for worker threads; default: the backend of this thread. */
  backend?: string;
  logEverySteps?: number;
  checkpointEverySeconds?: number;
  onProgress?: (nodeId: string, progress: TrainProgress) => void;
}

/** The SPViT model's parameters start from the dense ones: check that its backbone prefix matches. */
function withBackbonePrefix(fresh: Float32Array, dense: Float32Array, keys: { spvit: string[]; dense: string[] }): Float32Array {
  const matches = keys.dense.every((key, i) => keys.spvit[i] === key);
  if (!matches) throw new StudioError('internal/bug', 'The SPViT model does not list its backbone parameters first, in the backbone order.');
  const out = Float32Array.from(fresh);
  out.set(dense, 0);
  return out;
}

function modelFile(context: ExecutorContext<'train'>): string {
  const trainNodes = context.pipeline.nodes.filter((node) => node.kind === 'train').length;
  return join(context.runDir, trainNodes === 1 ? 'model.safetensors' : `model-${context.node.id}.safetensors`);
}

async function trainNode(context: ExecutorContext<'train'>, options: TrainExecutorOptions): Promise<Record<string, Jsonable>> {
  const config = context.node.config;
  const dataset = context.inputs['dataset'] as DatasetValue;
  const backbone = context.inputs['backbone'] as BackboneValue;
  const lut = context.inputs['lut'] as LatencyTableValue | undefined;
  context.progress(null, 'reading the dataset');
  const opened = await openDatasetValue(dataset);
  const host: StageHostOptions = {
    workers: resolveWorkers(config.workers, options.workers),
    backend: options.backend ?? tf.getBackend(),
    logEverySteps: options.logEverySteps ?? 10,
    checkpointEverySeconds: options.checkpointEverySeconds ?? 60,
    onProgress: (progress) => options.onProgress?.(context.node.id, progress),
  };
  const data = { train: opened.train, val: opened.val.length > 0 ? opened.val : null, augment: true };
  const spec = backbone.spec as Parameters<typeof createModel>[0];
  const reference = createModel(spec, { seed: config.seed });
  const denseLayout = parameterLayout(reference.parameters(), { spvit: false });
  const denseFile = join(context.nodeDir, 'dense.safetensors');
  const labelSmoothing = config.dense?.labelSmoothing ?? 0.1;
  const summary: { [key: string]: Jsonable } = { workers: host.workers, backend: host.backend };
  try {
    await loadBackboneWeights(reference, backbone);
    let dense = readParameters(reference.parameters(), denseLayout);
    if (config.dense !== undefined) {
      const d = config.dense;
      const result = await runStage({
        context, host, stage: 'dense',
        replica: { kind: 'dense', spec, seed: config.seed, labelSmoothing: d.labelSmoothing },
        entries: reference.parameters(), data,
        hyper: { epochs: d.epochs, batchSize: d.batchSize, schedule: { kind: 'dense', lr: d.lr, minLr: d.minLr, warmupEpochs: d.warmupEpochs, epochs: d.epochs }, weightDecay: d.weightDecay, seed: config.seed },
        loss: null, targets: [], budgetMs: null, inferenceMode: 'argmax',
        initialParameters: () => dense, teacher: null,
      });
      dense = result.parameters;
      summary['dense'] = { steps: result.steps, resumedFrom: result.resumedFrom, valAccuracy: result.validation?.accuracy ?? null, msPerStep: result.msPerStep };
    }
    writeParameters(reference.parameters(), denseLayout, dense);
    await writeAtomically(denseFile, (temporary) => saveWeightsFile(reference, temporary, { 'spvit.stage': 'dense' }));
    if (config.spvit === undefined) {
      return { model: JSON.parse(JSON.stringify({ dir: context.nodeDir, weightsPath: denseFile, denseWeightsPath: denseFile, spec: backbone.spec, spvit: null, dataset, backbone, train: summary })) as Jsonable };
    }
    const input: Omit<SpvitStageInput, 'plan'> = { host, data, spec, dense, denseKeys: reference.parameters().map((e) => e.key), labelSmoothing, summary };
    const plan = await planWithSearch(context, { input, backbone, reference, lut });
    const weightsPath = await trainSpvit(context, { ...input, plan });
    const value = {
      dir: context.nodeDir, weightsPath, denseWeightsPath: denseFile, spec: backbone.spec,
      spvit: plan.settings, positions: plan.positions, targets: plan.targets, budgetMs: plan.budgetMs,
      predictedMs: plan.predictedMs, denseMs: plan.denseMs, lut: plan.lut, dataset, backbone, train: summary,
    };
    return { model: JSON.parse(JSON.stringify(value)) as Jsonable };
  } finally {
    reference.dispose();
  }
}

interface SpvitStageInput {
  host: StageHostOptions;
  data: { train: Dataset; val: Dataset | null; augment: boolean };
  spec: Parameters<typeof createModel>[0];
  plan: SpvitPlan;
  dense: Float32Array;
  denseKeys: string[];
  labelSmoothing: number;
  summary: { [key: string]: Jsonable };
}

/** One SPViT training run of `epochs` epochs with the plan's selectors and targets, from the dense weights (and `start`'s selectors, else fresh ones). */
async function spvitRun(context: ExecutorContext<'train'>, input: SpvitStageInput, run: { epochs: number; checkpointName?: string; entries: ParameterEntry[]; start?: Float32Array | null }) {
  const config = context.node.config;
  const s = config.spvit as NonNullable<typeof config.spvit>;
  const { plan } = input;
  const loss = LossWeightsSchema.parse({ ce: 1, ratio: s.loss.ratio, distill: s.loss.distill, token: s.loss.token, latencyHinge: plan.hinge === null ? 0 : s.loss.latencyHinge });
  return runStage({
    context, host: input.host, stage: 'spvit',
    replica: { kind: 'spvit', spec: input.spec, settings: plan.settings, seed: config.seed, labelSmoothing: input.labelSmoothing, loss, targets: plan.targets, gumbelTau: s.gumbelTau, hinge: plan.hinge },
    entries: run.entries, data: input.data,
    hyper: {
      epochs: run.epochs, batchSize: s.batchSize, weightDecay: s.weightDecay, seed: config.seed,
      schedule: { kind: 'spvit', lr: s.lr, minLr: s.minLr, epochs: run.epochs, backboneFreezeEpochs: s.backboneFreezeEpochs, backboneLrCap: s.backboneLrCap, ...(s.gumbelNoise === undefined ? {} : { noise: s.gumbelNoise }) },
    },
    loss, targets: plan.targets, budgetMs: plan.budgetMs, inferenceMode: s.inferenceMode,
    initialParameters: (fresh) => withBackbonePrefix(run.start ?? fresh, input.dense, { spvit: run.entries.map((e) => e.key), dense: input.denseKeys }),
    teacher: input.dense,
    ...(run.checkpointName === undefined ? {} : { checkpointName: run.checkpointName }),
  });
}

/** The SPViT plan: the node's selectors and budget, or those the layer-to-phase search finds. */
async function planWithSearch(context: ExecutorContext<'train'>, options: { input: Omit<SpvitStageInput, 'plan'>; backbone: BackboneValue; reference: BackboneModel; lut: LatencyTableValue | undefined }): Promise<SpvitPlan> {
  const s = context.node.config.spvit as NonNullable<typeof context.node.config.spvit>;
  const { input, backbone, reference, lut } = options;
  if (s.phaseSearch === undefined) return planSpvit({ config: s, backbone, model: reference, lut });
  const outcome = await searchPhases(context, lut, {
    baseline: async () => (await evaluateDense(input)).accuracy,
    trial: async (trial, index) => {
      const plan = await planSpvit({ config: { ...s, selector: { ...s.selector, blocks: trial.selectorBlocks }, keepRatios: trial.keepRatios, budget: undefined }, backbone, model: reference, lut });
      const model = wrapBackbone(createModel(input.spec, { seed: context.node.config.seed }), plan.settings, context.node.config.seed);
      try {
        const result = await spvitRun(context, { ...input, plan }, { epochs: s.phaseSearch?.epochsPerTrial ?? 1, checkpointName: `spvit-trial-${index}`, entries: model.parameters() });
        return { accuracy: result.validation?.accuracy ?? 0, keepRatios: result.validation?.keepRatios ?? [] };
      } finally {
        model.dispose();
      }
    },
  });
  const plan = await planSpvit({ config: { ...s, selector: { ...s.selector, blocks: outcome.blocks }, keepRatios: outcome.targets, budget: undefined }, backbone, model: reference, lut });
  return { ...plan, budgetMs: outcome.budgetMs, hinge: plan.hinge === null ? null : { ...plan.hinge, budgetMs: outcome.budgetMs } };
}

/** Validation accuracy of the dense weights (the phase search's baseline). */
async function evaluateDense(input: Omit<SpvitStageInput, 'plan'>): Promise<DatasetEvaluation> {
  const group = await createReplicaGroup({ spec: { kind: 'dense', spec: input.spec, seed: 0, labelSmoothing: 0 }, workers: input.host.workers, backend: input.host.backend });
  try {
    group.setParameters(input.dense);
    if (input.data.val === null) throw new StudioError('input/invalid', 'The layer-to-phase search needs a validation split.', { hint: 'Set the dataset valFraction above 0.' });
    return await evaluateDataset({ group, dataset: input.data.val, pruned: false, mode: 'argmax', batchSize: 256 });
  } finally {
    await group.close();
  }
}

async function trainSpvit(context: ExecutorContext<'train'>, input: SpvitStageInput): Promise<string> {
  const config = context.node.config;
  const { plan } = input;
  const model = wrapBackbone(createModel(input.spec, { seed: config.seed }), plan.settings, config.seed);
  try {
    const entries = model.parameters();
    const start = await checkpointStart(model, context.inputs['backbone'] as BackboneValue);
    const result = await spvitRun(context, input, { epochs: (config.spvit as NonNullable<typeof config.spvit>).epochs, entries, start });
    input.summary['spvit'] = { steps: result.steps, resumedFrom: result.resumedFrom, valAccuracy: result.validation?.accuracy ?? null, valKeepRatios: result.validation?.keepRatios ?? [], msPerStep: result.msPerStep };
    writeParameters(entries, parameterLayout(entries, { spvit: true }), result.parameters);
    const s = config.spvit as NonNullable<typeof config.spvit>;
    if (s.inferenceMode === 'argmax' && s.calibrationImages > 0) {
      context.progress(null, 'calibrating the selectors\' argmax thresholds');
      const calibration = calibrateKeepThresholds(model, calibrationImages(input.data.train, s.calibrationImages), { targets: plan.targets });
      input.summary['calibration'] = JSON.parse(JSON.stringify(calibration)) as Jsonable;
      for (const warning of calibration.warnings) context.progress(null, `warning: ${warning}`);
      calibration.after.forEach((value, selector) =>
        context.metrics.write({ name: 'spvit/calibration/keep-ratio', step: result.steps, value, extra: { selector, before: calibration.before[selector] ?? null, offset: calibration.offsets[selector] ?? null, target: calibration.targets[selector] ?? null } }),
      );
    }
    const file = modelFile(context);
    await writeAtomically(file, (temporary) => saveSpvitCheckpoint(model, temporary, { 'spvit.stage': 'spvit' }));
    return file;
  } finally {
    model.dispose();
  }
}

/** Up to `limit` unaugmented training images, spread evenly over the set. */
function calibrationImages(train: Dataset, limit: number): CalibrationImages {
  const count = Math.min(limit, train.length);
  const indices = Array.from({ length: count }, (_, i) => Math.floor((i * train.length) / count));
  const batch = train.getBatch(indices);
  return { images: batch.images, shape: batch.shape };
}

export function createTrainExecutor(options: TrainExecutorOptions = {}): NodeExecutor<'train'> {
  return { kind: 'train', execute: (context) => trainNode(context, options) };
}
