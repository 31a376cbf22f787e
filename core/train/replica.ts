/**
 * One model replica: computes the loss terms and parameter gradients of a shard of a batch. The same
 * class runs in the coordinator's thread (one replica) and in every worker thread; parameters come
 * from the coordinator's optimiser, so all replicas hold identical weights at every step.
 */
import * as tf from '@tensorflow/tfjs-core';

import '../tensor/register-ops';

import { predictLatencyTf, latencyHingeTf } from '../latency/latency-hinge';
import { ratioLossTf } from '../latency/ratio-loss';
import { createModel } from '../models/registry';
import { BugError } from '../shared/errors';
import { wrapBackbone } from '../spvit/load';
import { SeededRandom } from '../spvit/random';
import { parseSpvitSettings } from '../spvit/settings';

import { SINGLE_SHARD_REDUCER, globalSum } from './batch-reducer';
import { correctCount, distillationKl, keptTokenMse, smoothedTargets, softTargetCrossEntropy } from './losses';
import { parameterLayout, readParameters, writeParameters } from './parameter-layout';
import { ShardRandom } from './shard-noise';

import type { BackboneModel } from '../models/model';
import type { SpvitModel } from '../spvit/model';
import type { ParameterEntry } from '../tensor/parameters';
import type { BatchReducer } from './batch-reducer';
import type { ParameterLayout } from './parameter-layout';
import type { ReplicaSpec, ShardInput, ShardStats, SpvitReplicaSpec } from './replica-spec';

interface SpvitParts {
  model: SpvitModel;
  teacher: SpvitModel;
  tokensPerSelector: number[];
}

function buildSpvit(spec: SpvitReplicaSpec): SpvitParts {
  const settings = parseSpvitSettings(spec.settings);
  const model = wrapBackbone(createModel(spec.spec, { seed: spec.seed }), settings, spec.seed);
  const teacher = wrapBackbone(createModel(spec.spec, { seed: spec.seed }), settings, spec.seed);
  // One image through the training pass tells how many tokens each selector decides on.
  const tokensPerSelector = tf.tidy(() => {
    const [c, h, w] = model.inputShape;
    const out = model.forwardTrain(tf.zeros([1, c, h, w]) as tf.Tensor4D, { random: new SeededRandom(0) });
    return out.keepMasks.map((mask) => mask.shape[1]);
  });
  return { model, teacher, tokensPerSelector };
}

export class TrainingReplica {
  readonly spec: ReplicaSpec;
  readonly model: BackboneModel;
  readonly entries: ParameterEntry[];
  readonly layout: ParameterLayout;
  private readonly spvit: SpvitParts | null;
  private readonly trainable: tf.Variable[];

  constructor(spec: ReplicaSpec) {
    this.spec = spec;
    this.spvit = spec.kind === 'spvit' ? buildSpvit(spec) : null;
    this.model = this.spvit?.model ?? createModel(spec.spec, { seed: spec.seed });
    this.entries = this.model.parameters();
    this.layout = parameterLayout(this.entries, { spvit: spec.kind === 'spvit' });
    this.trainable = this.entries.filter((_, i) => this.layout.entries[i]?.group !== 'frozen').map((entry) => entry.variable);
  }

  get spvitModel(): SpvitModel | null {
    return this.spvit?.model ?? null;
  }

  get tokensPerSelector(): number[] {
    return this.spvit?.tokensPerSelector ?? [];
  }

  setParameters(flat: Float32Array): void {
    writeParameters(this.entries, this.layout, flat);
  }

  getParameters(): Float32Array {
    return readParameters(this.entries, this.layout);
  }

  /** The teacher's weights: a flat array in the BACKBONE's parameter order (dense training's layout). */
  setTeacher(flat: Float32Array): void {
    if (this.spvit === null) throw new BugError('Only an SPViT replica has a teacher.');
    const entries = this.spvit.teacher.backbone.parameters();
    writeParameters(entries, parameterLayout(entries, { spvit: false }), flat);
  }

  /** Loss terms and gradients of one shard; gradients are written into `grads` (layout order). */
  computeShard(input: ShardInput, grads: Float32Array, reducer: BatchReducer = SINGLE_SHARD_REDUCER): ShardStats {
    const images = tf.tensor4d(input.images, input.shape);
    const classes = this.model.numClasses;
    const targets = smoothedTargets(input.labels, classes, this.spec.labelSmoothing);
    try {
      const result = this.spvit === null ? this.denseStep(images, targets, input) : this.spvitStep(images, targets, input, reducer);
      const { value, grads: named } = result.gradients;
      grads.fill(0);
      this.entries.forEach((entry, i) => {
        const grad = named[entry.variable.name];
        if (grad === undefined) return;
        const item = this.layout.entries[i];
        if (item !== undefined) grads.set(grad.dataSync() as Float32Array, item.offset);
      });
      tf.dispose(named);
      const stats = result.stats(value);
      value.dispose();
      return stats;
    } finally {
      images.dispose();
      targets.dispose();
    }
  }

  private denseStep(images: tf.Tensor4D, targets: tf.Tensor2D, input: ShardInput) {
    const held: tf.Tensor2D[] = [];
    const gradients = tf.variableGrads(() => {
      const out = this.model.forward(images, { training: true });
      held.push(tf.keep(out));
      return softTargetCrossEntropy(out, targets, input.globalBatch);
    }, this.trainable);
    return {
      gradients,
      stats: (value: tf.Scalar): ShardStats => {
        const logits = held[0] as tf.Tensor2D;
        const correct = correctCount(logits.dataSync() as Float32Array, input.labels, logits.shape[1]);
        const ceValue = value.dataSync()[0] as number;
        tf.dispose(held);
        return { terms: { total: ceValue, ce: ceValue, ratio: 0, distill: 0, token: 0, hinge: 0 }, correct, images: input.labels.length, keptSums: [], decisionCounts: [], predictedMs: null };
      },
    };
  }

  private spvitStep(images: tf.Tensor4D, targets: tf.Tensor2D, input: ShardInput, reducer: BatchReducer) {
    const spec = this.spec as SpvitReplicaSpec;
    const parts = this.spvit as SpvitParts;
    const w = spec.loss;
    // Without distillation terms the teacher's dense pass (a quarter of the step) is skipped.
    const teacher = w.distill > 0 || w.token > 0 ? parts.teacher.forwardDense(images) : null;
    const random = new ShardRandom({ seed: input.noiseSeed, step: input.step, firstImage: input.firstImage, images: input.labels.length, tokensPerSelector: parts.tokensPerSelector });
    const held: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      held.push(tf.keep(t));
      return t;
    };
    const gradients = tf.variableGrads(() => {
      const out = parts.model.forwardTrain(images, { random, tau: spec.gumbelTau, noiseScale: input.noiseScale ?? 1 });
      keep(out.logits);
      const local = tf.stack([...out.keepMasks.map((mask) => tf.sum(mask)), tf.sum(out.finalKeepMask)]) as tf.Tensor1D;
      const totals = globalSum(local, reducer);
      keep(local);
      keep(totals);
      const means = out.keepMasks.map((mask, s) => tf.div(tf.slice(totals, [s], [1]), input.globalBatch * (mask.shape[1] as number)));
      const keptFinal = totals.dataSync()[out.keepMasks.length] as number;
      const ce = keep(softTargetCrossEntropy(out.logits, targets, input.globalBatch));
      const ratio = keep(ratioLossTf(means, spec.targets, 1));
      const distill = keep(teacher === null ? tf.scalar(0) : distillationKl(out.logits, teacher.logits, input.globalBatch));
      const token = keep(teacher === null ? tf.scalar(0) : keptTokenMse(out.spatialTokens, teacher.spatialTokens, out.finalKeepMask, keptFinal));
      let total = tf.addN([tf.mul(ce, w.ce), tf.mul(ratio, w.ratio), tf.mul(distill, w.distill), tf.mul(token, w.token)]);
      if (spec.hinge !== null && w.latencyHinge > 0) {
        const keptTokens = means.map((mean, s) => tf.reshape(tf.mul(mean, parts.tokensPerSelector[s] as number), []));
        keep(predictLatencyTf(spec.hinge.terms, keptTokens));
        const hinge = keep(latencyHingeTf(spec.hinge.terms, keptTokens, { budgetMs: spec.hinge.budgetMs, weight: 1 }));
        total = tf.add(total, tf.mul(hinge, w.latencyHinge));
      }
      if (!random.exhausted) throw new BugError('The SPViT model read less Gumbel noise than its selectors decide on.');
      return total as tf.Scalar;
    }, this.trainable);
    if (teacher !== null) tf.dispose([teacher.logits, teacher.spatialTokens]);
    return { gradients, stats: () => this.spvitStats(held, input, spec) };
  }

  private spvitStats(held: tf.Tensor[], input: ShardInput, spec: SpvitReplicaSpec): ShardStats {
    const [logits, local, , ce, ratio, distill, token, predicted, hinge] = held as [tf.Tensor2D, ...tf.Tensor[]];
    const value = (t: tf.Tensor | undefined): number => (t === undefined ? 0 : (t.dataSync()[0] as number));
    const terms = { ce: value(ce), ratio: value(ratio), distill: value(distill), token: value(token), hinge: value(hinge) };
    const w = spec.loss;
    const total = w.ce * terms.ce + w.ratio * terms.ratio + w.distill * terms.distill + w.token * terms.token + w.latencyHinge * terms.hinge;
    const selectors = this.tokensPerSelector.length;
    const localSums = Array.from((local as tf.Tensor).dataSync()).slice(0, selectors);
    const stats: ShardStats = {
      terms: { total, ...terms },
      correct: correctCount(logits.dataSync() as Float32Array, input.labels, logits.shape[1]),
      images: input.labels.length,
      keptSums: localSums,
      decisionCounts: this.tokensPerSelector.map((tokens) => tokens * input.labels.length),
      predictedMs: predicted === undefined ? null : value(predicted),
    };
    tf.dispose(held);
    return stats;
  }

  dispose(): void {
    this.model.dispose();
    this.spvit?.teacher.dispose();
  }
}
