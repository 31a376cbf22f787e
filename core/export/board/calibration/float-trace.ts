/**
 * Runs the float model (tfjs) on calibration images, one at a time, and reports the activations at
 * every point the fixed-point package quantises. Point names:
 *   input, res.{b} (residual entering block b; res.{depth} after the last), mid.{b} (after attention),
 *   b{b}.norm1 / b{b}.norm2 / head.norm (normalised values before gamma and beta), b{b}.q / .k / .v /
 *   .context, b{b}.fc1.in / .fc1.out (GELU input and output), and for selector s: s{s}.gate.mean,
 *   s{s}.gate.fc1.in / .out, s{s}.norm, s{s}.proj.in / .out, s{s}.fc1.in / .out, s{s}.fc2.in / .out.
 * SPViT models run in top-k mode with tokens removed, as the package does.
 */
import * as tf from '@tensorflow/tfjs-core';

import { gelu } from '../../../tensor/activations';
import { packageToken } from '../../../spvit/package-token';
import { takeAxis } from '../../../tensor/slice-axis';
import { VIT_NORM_EPS } from '../../../models/vit/config';

import type { VisionTransformer } from '../../../models/vit/model';
import type { TokenSelector } from '../../../spvit/selector';
import type { PackageMode } from '../../../spvit/package-token';
import type { InputMomentCollector } from './input-moments';
import type { RangeObserver } from './range-observer';

export interface TraceSelector {
  selector: TokenSelector;
  block: number;
  keep: number;
}

export interface TraceTarget {
  backbone: VisionTransformer;
  selectors: readonly TraceSelector[];
  packageMode: PackageMode;
  selectorNormEps: number;
}

/** (x - mean) / sqrt(var + eps) over the last axis: a LayerNorm without gamma and beta. */
function normalised(x: tf.Tensor, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  return tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps)));
}

function record(observer: RangeObserver, point: string, tensor: tf.Tensor): void {
  observer.observe(point, tensor.dataSync());
}

/** Where a trace reports what it sees: activation ranges, and optionally linear-layer input moments. */
export interface TraceSinks {
  observer: RangeObserver;
  moments: InputMomentCollector | null;
}

/** Patches of an NCHW image as rows of (channel, row, column) values, as the package's patch linear reads them. */
function patchRows(image: tf.Tensor4D, patch: number): tf.Tensor {
  const [, channels, height, width] = image.shape;
  const rows = height / patch;
  const cols = width / patch;
  const split = tf.reshape(image, [channels, rows, patch, cols, patch]);
  return tf.reshape(tf.transpose(split, [1, 3, 0, 2, 4]), [rows * cols, channels * patch * patch]);
}

function traceBlock(target: TraceTarget, index: number, x: tf.Tensor3D, sinks: TraceSinks): tf.Tensor3D {
  const { observer, moments } = sinks;
  const key = `blocks.${index}`;
  const block = target.backbone.blocks[index] as VisionTransformer['blocks'][number];
  const dim = block.dim;
  const [, tokens] = x.shape;
  const normalised1 = normalised(x, VIT_NORM_EPS);
  record(observer, `b${index}.norm1`, normalised1);
  moments?.add(`${key}.attn.qkv`, normalised1);
  const normed = block.norm1.apply(x);
  const qkv = block.attn.qkv.apply(normed);
  ['q', 'k', 'v'].forEach((part, i) => record(observer, `b${index}.${part}`, tf.slice(qkv, [0, 0, i * dim], [1, tokens, dim])));
  const heads = block.attn.projectQkv(normed);
  const context = block.attn.mixValues(tf.softmax(block.attn.logits(heads), -1), heads.v);
  record(observer, `b${index}.context`, context);
  moments?.add(`${key}.attn.proj`, context);
  let attention = block.attn.proj.apply(context);
  if (block.ls1 !== null) attention = tf.mul(attention, block.ls1.variable);
  const mid = tf.add(x, attention);
  record(observer, `mid.${index}`, mid);
  const normalised2 = normalised(mid, VIT_NORM_EPS);
  record(observer, `b${index}.norm2`, normalised2);
  moments?.add(`${key}.mlp.fc1`, normalised2);
  const hiddenIn = block.mlp.fc1.apply(block.norm2.apply(mid));
  record(observer, `b${index}.fc1.in`, hiddenIn);
  const hidden = gelu(hiddenIn);
  record(observer, `b${index}.fc1.out`, hidden);
  moments?.add(`${key}.mlp.fc2`, hidden);
  let mlp = block.mlp.fc2.apply(hidden);
  if (block.ls2 !== null) mlp = tf.mul(mlp, block.ls2.variable);
  const out = tf.add(mid, mlp) as tf.Tensor3D;
  record(observer, `res.${index + 1}`, out);
  return out;
}

/** The selector's intermediates, its top-k decision and the shortened sequence with its package. */
function traceSelector(target: TraceTarget, sequence: { stage: number; x: tf.Tensor3D; packages: number }, observer: RangeObserver): tf.Tensor3D {
  const { stage, x, packages } = sequence;
  const { selector, keep } = target.selectors[stage] as TraceSelector;
  const [, tokens, dim] = x.shape;
  const count = tokens - 1;
  const spatial = count - packages;
  const heads = selector.numHeads;
  const d = dim / heads;
  const candidates = tf.slice(x, [0, 1, 0], [1, count, dim]);
  const perHead = tf.reshape(candidates, [1, count, heads, d]);
  if (selector.gateFc1 !== null) {
    const means = tf.mean(perHead, -1);
    record(observer, `s${stage}.gate.mean`, means);
    const hiddenIn = selector.gateFc1.apply(means);
    record(observer, `s${stage}.gate.fc1.in`, hiddenIn);
    record(observer, `s${stage}.gate.fc1.out`, gelu(hiddenIn));
  }
  const scorer = selector.scorers[0] as TokenSelector['scorers'][number];
  record(observer, `s${stage}.norm`, normalised(perHead, target.selectorNormEps));
  const embeddedIn = scorer.proj.apply(scorer.norm.apply(perHead));
  record(observer, `s${stage}.proj.in`, embeddedIn);
  const embedded = gelu(embeddedIn);
  record(observer, `s${stage}.proj.out`, embedded);
  const half = d / 2;
  const local = tf.slice(embedded, [0, 0, 0, 0], [1, count, heads, half]);
  const pooled = tf.mean(tf.slice(embedded, [0, 0, 0, half], [1, count, heads, half]), 1, true);
  const features = tf.concat([local, tf.tile(pooled, [1, count, 1, 1])], -1);
  const hidden1In = scorer.fc1.apply(features);
  record(observer, `s${stage}.fc1.in`, hidden1In);
  const hidden1 = gelu(hidden1In);
  record(observer, `s${stage}.fc1.out`, hidden1);
  const hidden2In = scorer.fc2.apply(hidden1);
  record(observer, `s${stage}.fc2.in`, hidden2In);
  record(observer, `s${stage}.fc2.out`, gelu(hidden2In));

  const scores = selector.apply(candidates, tf.ones([1, count]));
  const keepProbability = tf.reshape(tf.slice(scores.softScore, [0, 0, 0], [1, count, 1]), [1, count]);
  const probabilities = keepProbability.dataSync();
  const order = Array.from({ length: spatial }, (_, i) => i).sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number) || a - b);
  const kept = order.slice(0, Math.min(keep, spatial)).sort((a, b) => a - b);
  const keptSet = new Set(kept);
  const dropped = Float32Array.from({ length: count }, (_, i) => (i < spatial && !keptSet.has(i) ? 1 : 0));
  const pkg = packageToken({ tokens: candidates, keepProbability, newlyDropped: tf.tensor2d(dropped, [1, count]), mode: target.packageMode });
  const rows = [0, ...kept.map((slot) => slot + 1), ...Array.from({ length: packages }, (_, p) => 1 + spatial + p)];
  const gathered = tf.gather(x, tf.tensor1d(rows, 'int32'), 1);
  return tf.concat([gathered, pkg], 1) as tf.Tensor3D;
}

/** Observes every quantisation point for one image [C, H, W]. */
export function traceImage(target: TraceTarget, image: Float32Array, sinks: TraceSinks): void {
  const { backbone } = target;
  const { observer, moments } = sinks;
  tf.tidy(() => {
    const [channels, height, width] = backbone.inputShape;
    const input = tf.tensor4d(image, [1, channels, height, width]);
    record(observer, 'input', input);
    if (moments !== null) moments.add('patch_embed.proj', patchRows(input, backbone.config.patchSize));
    let x = backbone.embed(input);
    record(observer, 'res.0', x);
    let packages = 0;
    backbone.blocks.forEach((_, index) => {
      const stage = target.selectors.findIndex((entry) => entry.block === index);
      if (stage >= 0) {
        x = traceSelector(target, { stage, x, packages }, observer);
        packages += 1;
        record(observer, `res.${index}`, x);
      }
      x = traceBlock(target, index, x, sinks);
    });
    const head = normalised(takeAxis(x, 1, 0), VIT_NORM_EPS);
    record(observer, 'head.norm', head);
    moments?.add('head', head);
  });
}
