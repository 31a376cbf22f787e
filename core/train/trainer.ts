/**
 * The training loop of one stage (dense pre-training or SPViT): seeded epoch orders, batches split
 * over the replicas, summed gradients, AdamW with per-group schedules on the host, metrics, periodic
 * atomic checkpoints, exact resume, cancellation and divergence detection.
 */
import { epochOrder } from '../data/batches';
import { deriveSeed } from '../data/random';
import { StudioError, isStudioError } from '../shared/errors';
import { NEVER_ABORTED } from '../shared/abort';

import { adamWStep, createAdamWState } from './adamw';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { evaluateDataset } from './evaluate-dataset';
import { noiseScaleAt, ratesAt } from './schedules';
import { splitBatch, summariseStep } from './sharding';
import { StepWindow } from './step-window';

import type { AdamWState } from './adamw';
import type { CheckpointMeta, TrainingPosition } from './checkpoint';
import type { DatasetEvaluation } from './evaluate-dataset';
import type { Batch } from '../data/dataset';
import type { ReplicaGroup } from './replica-group';
import type { GroupRates } from './schedules';
import type { StepSummary } from './sharding';
import type { TrainProgress, TrainStageOptions, TrainStageResult } from './train-types';

interface LoopState {
  parameters: Float32Array;
  adam: AdamWState;
  position: TrainingPosition;
  lastCheckpoint: { file: string; step: number } | null;
}

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] as number;
    if (value - value !== 0) return false;
  }
  return true;
}

async function restore(options: TrainStageOptions): Promise<{ state: LoopState; resumedFrom: number | null }> {
  const layout = options.group.layout;
  const saved = await loadCheckpoint(options.checkpointFile, options.entries, layout);
  if (saved === null) {
    return {
      state: { parameters: Float32Array.from(options.initialParameters), adam: createAdamWState(layout), position: { stage: options.stage, step: 0, epoch: 0, batch: 0 }, lastCheckpoint: null },
      resumedFrom: null,
    };
  }
  if (saved.meta.fingerprint !== options.fingerprint || saved.meta.stage !== options.stage) {
    throw new StudioError('input/invalid', `${options.checkpointFile} belongs to another training configuration, so it cannot be resumed.`, {
      details: { file: options.checkpointFile, saved: saved.meta.fingerprint, wanted: options.fingerprint },
      hint: 'Resume with the same pipeline and worker count, or start the run in a new folder.',
    });
  }
  const { stage, step, epoch, batch } = saved.meta;
  return {
    state: { parameters: saved.parameters, adam: saved.adam, position: { stage, step, epoch, batch }, lastCheckpoint: { file: options.checkpointFile, step } },
    resumedFrom: step,
  };
}

async function checkpoint(options: TrainStageOptions, state: LoopState): Promise<void> {
  const meta: CheckpointMeta = {
    format: 'spvit-train-checkpoint',
    version: 1,
    ...state.position,
    fingerprint: options.fingerprint,
    random: { kind: 'counter', dataSeed: options.dataSeed, noiseSeed: options.noiseSeed },
    adamStep: state.adam.step,
    savedAt: new Date().toISOString(),
    extra: { targets: options.targets, budgetMs: options.budgetMs },
  };
  await saveCheckpoint({ file: options.checkpointFile, entries: options.entries, layout: options.group.layout, state: { meta, parameters: state.parameters, adam: state.adam } });
  state.lastCheckpoint = { file: options.checkpointFile, step: state.position.step };
}

function diverged(options: TrainStageOptions, state: LoopState, what: string): StudioError {
  return new StudioError('training/diverged', `Training diverged at step ${state.position.step + 1} of the ${options.stage} stage: ${what}.`, {
    details: {
      stage: options.stage,
      step: state.position.step + 1,
      epoch: state.position.epoch,
      lastCheckpoint: state.lastCheckpoint?.file ?? null,
      lastCheckpointStep: state.lastCheckpoint?.step ?? null,
    },
    hint: 'Lower the learning rate (or the latency-hinge weight) and resume from the last checkpoint, or restart the stage.',
  });
}

function emit(options: TrainStageOptions, state: LoopState, window: StepWindow, extra: { steps: number; rates: TrainProgress['lr']; validation?: DatasetEvaluation }): void {
  const hasSteps = window.size > 0;
  const mean = window.take();
  const { step, epoch, batch } = state.position;
  const batches = Math.max(1, Math.floor(options.train.length / options.batchSize));
  const progress: TrainProgress = {
    stage: options.stage,
    step,
    steps: extra.steps,
    epoch: epoch + batch / batches,
    epochs: options.epochs,
    loss: mean.terms,
    accuracy: mean.accuracy,
    lr: extra.rates,
    keepRatios: mean.keepRatios,
    targets: options.targets,
    predictedMs: mean.predictedMs,
    budgetMs: options.budgetMs,
    msPerStep: mean.msPerStep,
    imagesPerSecond: mean.imagesPerSecond,
    ...(extra.validation === undefined ? {} : { validation: extra.validation }),
  };
  const prefix = `${options.stage}/train`;
  const sink = options.metrics;
  if (sink !== undefined && hasSteps) {
    const at = { step, epoch: progress.epoch };
    for (const [name, value] of Object.entries(mean.terms)) sink.write({ name: `${prefix}/loss${name === 'total' ? '' : `/${name}`}`, value, ...at });
    sink.write({ name: `${prefix}/accuracy`, value: mean.accuracy, ...at });
    sink.write({ name: `${prefix}/lr`, value: extra.rates.backbone, ...at, extra: { group: 'backbone' } });
    if (options.stage === 'spvit') sink.write({ name: `${prefix}/lr`, value: extra.rates.selector, ...at, extra: { group: 'selector' } });
    if (options.schedule.kind === 'spvit' && options.schedule.noise !== undefined) sink.write({ name: `${prefix}/noise-scale`, value: noiseScaleAt(options.schedule, progress.epoch), ...at });
    mean.keepRatios.forEach((value, selector) => sink.write({ name: `${prefix}/keep-ratio`, value, ...at, extra: { selector, target: options.targets[selector] ?? null } }));
    if (mean.predictedMs !== null) sink.write({ name: `${prefix}/predicted-ms`, value: mean.predictedMs, ...at, extra: { budgetMs: options.budgetMs } });
    sink.write({ name: `${prefix}/ms-per-step`, value: mean.msPerStep, ...at });
  }
  options.onProgress?.(progress);
}

async function validate(options: TrainStageOptions, state: LoopState): Promise<DatasetEvaluation | null> {
  if (options.val === null || options.val.length === 0) return null;
  const evaluation = await evaluateDataset({
    group: options.group,
    dataset: options.val,
    pruned: options.stage === 'spvit',
    mode: options.inferenceMode,
    batchSize: options.evalBatchSize,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const at = { step: state.position.step, epoch: state.position.epoch };
  options.metrics?.write({ name: `${options.stage}/val/accuracy`, value: evaluation.accuracy, ...at });
  evaluation.keepRatios.forEach((value, selector) => options.metrics?.write({ name: `${options.stage}/val/keep-ratio`, value, ...at, extra: { selector, target: options.targets[selector] ?? null } }));
  return evaluation;
}

/** Gradients of one batch over the replicas, checks, AdamW, new parameters out. Null when cancelled. */
async function optimiserStep(options: TrainStageOptions, state: LoopState, input: { batch: Batch; rates: GroupRates; noiseScale: number }): Promise<StepSummary | null> {
  const { group } = options;
  let result: Awaited<ReturnType<ReplicaGroup['step']>>;
  try {
    result = await group.step(splitBatch(input.batch, group.shards, { step: state.position.step, noiseSeed: options.noiseSeed, noiseScale: input.noiseScale }));
  } catch (error) {
    if (options.signal?.aborted === true && isStudioError(error, 'cancelled')) return null;
    throw error;
  }
  const summary = summariseStep(result.stats, options.loss);
  if (!Number.isFinite(summary.terms.total)) throw diverged(options, state, `the loss is ${summary.terms.total}`);
  if (!allFinite(result.gradients)) throw diverged(options, state, 'a gradient is not finite');
  adamWStep(state.parameters, result.gradients, state.adam, { layout: group.layout, config: options.adamw, rates: input.rates });
  if (!allFinite(state.parameters)) throw diverged(options, state, 'a weight is not finite after the update');
  group.setParameters(state.parameters);
  return summary;
}

export async function trainStage(options: TrainStageOptions): Promise<TrainStageResult> {
  const { group, train, batchSize } = options;
  const signal = options.signal ?? NEVER_ABORTED;
  const batches = Math.floor(train.length / batchSize);
  if (batches < 1) {
    throw new StudioError('input/invalid', `The training set has ${train.length} images, fewer than one batch of ${batchSize}.`, { hint: 'Lower the batch size or use more training images.' });
  }
  const steps = batches * options.epochs;
  const { state, resumedFrom } = await restore(options);
  if (resumedFrom !== null) options.metrics?.write({ name: `${options.stage}/resumed-from-step`, value: resumedFrom, step: resumedFrom });
  group.setParameters(state.parameters);
  const window = new StepWindow();
  let lastSave = performance.now();
  let ranThisCall = 0;
  let elapsedMs = 0;
  let validation: DatasetEvaluation | null = null;
  let rates = ratesAt(options.schedule, state.position.epoch + state.position.batch / batches);
  while (state.position.epoch < options.epochs) {
    const { epoch } = state.position;
    const order = epochOrder(train.length, { seed: options.dataSeed, epoch });
    const augmentSeed = deriveSeed(options.dataSeed, epoch, 0x5eed);
    while (state.position.batch < batches) {
      if (signal.aborted) {
        await checkpoint(options, state);
        throw new StudioError('cancelled', `Training was cancelled at step ${state.position.step} of the ${options.stage} stage.`, {
          details: { step: state.position.step, checkpoint: options.checkpointFile },
          hint: 'Run it again with the same output folder to resume from this step.',
        });
      }
      const started = performance.now();
      const b = state.position.batch;
      const batch = train.getBatch(order.slice(b * batchSize, (b + 1) * batchSize), { augment: options.augment, seed: augmentSeed });
      rates = ratesAt(options.schedule, epoch + b / batches);
      const summary = await optimiserStep(options, state, { batch, rates, noiseScale: noiseScaleAt(options.schedule, epoch + b / batches) });
      // A step cut short by the cancellation is dropped; the loop saves the position before it.
      if (summary === null) continue;
      state.position = { ...state.position, step: state.position.step + 1, batch: b + 1 };
      ranThisCall += 1;
      elapsedMs += performance.now() - started;
      window.add(summary, batch.labels.length);
      if (window.size >= options.logEverySteps) emit(options, state, window, { steps, rates });
      const everySteps = options.checkpointEverySteps;
      if ((everySteps !== undefined && state.position.step % everySteps === 0) || performance.now() - lastSave > options.checkpointEverySeconds * 1000) {
        await checkpoint(options, state);
        lastSave = performance.now();
      }
    }
    validation = await validate(options, state);
    state.position = { ...state.position, epoch: epoch + 1, batch: 0 };
    if (window.size > 0 || validation !== null) emit(options, state, window, { steps, rates, ...(validation === null ? {} : { validation }) });
    await checkpoint(options, state);
    lastSave = performance.now();
  }
  return { parameters: state.parameters, steps: state.position.step, resumedFrom, validation, msPerStep: ranThisCall === 0 ? null : elapsedMs / ranThisCall };
}
