import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ratioLossTf } from '../../latency/ratio-loss';
import { SafetensorsReader } from '../../models/io/safetensors';
import { initTensorBackend } from '../../tensor/backend';
import { checkGradients } from '../../tensor/gradient-check';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { loadSpvitCheckpoint, saveSpvitCheckpoint } from '../checkpoint';
import { createSpvitModel } from '../load';
import { SeededRandom } from '../random';
import { tokenMaps } from '../token-map';

import type { PackageMode } from '../package-token';
import type { SpvitVisionTransformer } from './spvit-vit';

let dir: string;
beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  dir = await mkdtemp(join(tmpdir(), 'spvit-vit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface TinyOptions {
  packageMode?: PackageMode;
  sharedHeadWeights?: boolean;
  blocks?: number[];
  qkvBias?: boolean;
}

/** A tiny ViT (8 x 8 patches, C 32, 2 heads) with selectors and random, spread-out weights. */
function tinyModel(options: TinyOptions = {}): SpvitVisionTransformer {
  const blocks = options.blocks ?? [1, 2, 3];
  const model = createSpvitModel({
    timm_class: 'VisionTransformer',
    kwargs: { img_size: 32, patch_size: 4, embed_dim: 32, depth: 4, num_heads: 2, mlp_ratio: 2, num_classes: 5, qkv_bias: options.qkvBias ?? false },
    spvit: {
      selector: { blocks, sharedHeadWeights: options.sharedHeadWeights ?? true },
      package: { mode: options.packageMode ?? 'average' },
      keepRatios: blocks.map((_, i) => 0.7 ** (i + 1)),
    },
  }) as SpvitVisionTransformer;
  model.parameters().forEach((entry, i) => {
    const std = entry.key.endsWith('fc3.weight') ? 2 : entry.key.endsWith('.bias') ? 0.1 : 0.3;
    const centre = entry.key.includes('norm') && entry.key.endsWith('weight') ? 1 : 0;
    tf.tidy(() => entry.variable.assign(tf.randomNormal(entry.variable.shape, centre, std, 'float32', 100 + i)));
  });
  return model;
}

function images(batch: number, seed = 7): tf.Tensor4D {
  return tf.randomNormal([batch, 3, 32, 32], 0, 1, 'float32', seed) as tf.Tensor4D;
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return worst / scale;
}

function keptCounts(mask: Uint8Array, tokens: number): number[] {
  return Array.from({ length: mask.length / tokens }, (_, b) => mask.subarray(b * tokens, (b + 1) * tokens).reduce((a, v) => a + v, 0));
}

describe('SPViT ViT: masked and token-removing passes', () => {
  const cases: Array<[string, TinyOptions]> = [
    ['average packages, shared heads', {}],
    ['sum packages, per-head scorers, qkv bias', { packageMode: 'sum', sharedHeadWeights: false, qkvBias: true }],
    ['mean packages, selector in front of block 0', { packageMode: 'mean', blocks: [0, 2] }],
  ];
  it.each(cases)('give the same logits and masks for every mode (%s, batch 3)', async (_, options) => {
    const model = tinyModel(options);
    const x = images(3);
    let sawUnevenCounts = false;
    await expectNoLeakedTensors(() => {
      for (const mode of ['argmax', 'topk', 'stochastic'] as const) {
        const masked = model.infer(x, { mode, removeTokens: false, seed: 11 });
        const removed = model.infer(x, { mode, removeTokens: true, seed: 11 });
        masked.decisions.forEach((decision, s) => {
          expect(Array.from(removed.decisions[s]!.kept)).toEqual(Array.from(decision.kept));
          const counts = keptCounts(decision.kept, 64);
          if (new Set(counts).size > 1) sawUnevenCounts = true;
          if (s > 0) decision.kept.forEach((v, i) => expect(v).toBeLessThanOrEqual(masked.decisions[s - 1]!.kept[i]!));
        });
        expect(relativeError(removed.logits.dataSync(), masked.logits.dataSync())).toBeLessThan(1e-4);
        tf.dispose([masked.logits, removed.logits]);
      }
    });
    // The batch really had images with different kept counts (the padded path ran).
    expect(sawUnevenCounts).toBe(true);
    x.dispose();
    model.dispose();
  });

  it('gives each image of a batch what it gets alone', () => {
    const model = tinyModel();
    const x = images(3, 9);
    const batched = model.infer(x, { mode: 'stochastic', seed: 4 });
    for (let b = 0; b < 3; b++) {
      const one = tf.slice(x, [b, 0, 0, 0], [1, 3, 32, 32]);
      const alone = model.infer(one, { mode: 'stochastic', seed: 4, firstImage: b });
      expect(relativeError(alone.logits.dataSync(), batched.logits.dataSync().subarray(b * 5, (b + 1) * 5))).toBeLessThan(1e-4);
      alone.decisions.forEach((decision, s) => expect(Array.from(decision.kept)).toEqual(Array.from(batched.decisions[s]!.kept.subarray(b * 64, (b + 1) * 64))));
      tf.dispose([one, alone.logits]);
    }
    tf.dispose([x, batched.logits]);
    model.dispose();
  });

  it('topk keeps round(ratio * N) tokens per image; stochastic depends on the seed', () => {
    const model = tinyModel();
    const x = images(2);
    const topk = model.infer(x, { mode: 'topk' });
    expect(topk.decisions.map((d) => keptCounts(d.kept, 64))).toEqual([
      [45, 45],
      [31, 31],
      [22, 22],
    ]);
    const a = model.infer(x, { mode: 'stochastic', seed: 1 });
    const b = model.infer(x, { mode: 'stochastic', seed: 1 });
    const c = model.infer(x, { mode: 'stochastic', seed: 2 });
    expect(Array.from(a.decisions[0]!.kept)).toEqual(Array.from(b.decisions[0]!.kept));
    expect(Array.from(a.decisions[0]!.kept)).not.toEqual(Array.from(c.decisions[0]!.kept));
    tf.dispose([x, topk.logits, a.logits, b.logits, c.logits]);
    model.dispose();
  });
});

describe('SPViT ViT: training forward', () => {
  it('returns straight-through 0/1 masks that feed the batch-global ratio loss, and gradients everywhere', () => {
    const model = tinyModel();
    const x = images(4);
    const out = model.forwardTrain(x, { random: new SeededRandom(3) });
    expect(out.logits.shape).toEqual([4, 5]);
    expect(out.spatialTokens.shape).toEqual([4, 64, 32]);
    expect(out.keepMasks.map((m) => m.shape)).toEqual([
      [4, 64],
      [4, 64],
      [4, 64],
    ]);
    const hostMasks = out.keepMasks.map((m) => Array.from(m.dataSync()));
    hostMasks.forEach((mask) => expect(mask.every((v) => v === 0 || v === 1)).toBe(true));
    expect(Array.from(out.finalKeepMask.dataSync())).toEqual(hostMasks[2]);
    // Batch-global mean: one mean over batch and tokens per selector, not a mean of per-image squares.
    const targets = [0.7, 0.5, 0.3];
    const expected = (2 / 3) * hostMasks.reduce((sum, mask, s) => sum + (mask.reduce((a, v) => a + v, 0) / mask.length - targets[s]!) ** 2, 0);
    expect(ratioLossTf(out.keepMasks, targets).dataSync()[0]).toBeCloseTo(expected, 5);
    // The images keep different fractions, so a per-image mean (DynamicViT) would give another value.
    const perImage = (2 / 3) * hostMasks.reduce((sum, mask, s) => {
      const rows = [0, 1, 2, 3].map((b) => mask.slice(b * 64, (b + 1) * 64).reduce((a, v) => a + v, 0) / 64);
      return sum + rows.reduce((a, r) => a + (r - targets[s]!) ** 2, 0) / 4;
    }, 0);
    expect(Math.abs(perImage - expected)).toBeGreaterThan(1e-4);
    tf.dispose([out.logits, out.spatialTokens, out.keepMasks]);

    const groups = model.parameterGroups();
    expect(groups.frozen.map((e) => e.key).sort()).toEqual(['cls_token', 'pos_embed']);
    expect(groups.selector.every((e) => e.key.startsWith('selectors.'))).toBe(true);
    expect(groups.selector.length + groups.backbone.length + groups.frozen.length).toBe(model.parameters().length);

    // The ratio loss alone reaches every selector parameter through the straight-through estimator.
    const ratioOnly = checkGradients(() => {
      const step = model.forwardTrain(x, { random: new SeededRandom(3) });
      return ratioLossTf(step.keepMasks, targets);
    }, groups.selector);
    expect(ratioOnly).toMatchObject({ missing: [], degenerate: [], error: null });
    const full = checkGradients(() => {
      const step = model.forwardTrain(x, { random: new SeededRandom(3) });
      const tokenLoss = tf.mean(tf.mul(tf.square(step.spatialTokens), tf.expandDims(step.finalKeepMask, -1)));
      return tf.addN([tf.mean(tf.square(step.logits)), ratioLossTf(step.keepMasks, targets), tokenLoss]) as tf.Scalar;
    }, model.parameters());
    expect(full).toMatchObject({ missing: [], degenerate: [], error: null });
    x.dispose();
    model.dispose();
  });

  it('draws reproducible decisions from the seed, and the dense pass is the backbone', () => {
    const model = tinyModel();
    const x = images(2);
    const a = model.forwardTrain(x, { random: new SeededRandom(5) });
    const b = model.forwardTrain(x, { random: new SeededRandom(5) });
    const c = model.forwardTrain(x, { random: new SeededRandom(6) });
    expect(Array.from(a.keepMasks[0]!.dataSync())).toEqual(Array.from(b.keepMasks[0]!.dataSync()));
    expect(Array.from(a.keepMasks[0]!.dataSync())).not.toEqual(Array.from(c.keepMasks[0]!.dataSync()));
    const dense = model.forwardDense(x);
    const backbone = model.backbone.forward(x);
    expect(relativeError(dense.logits.dataSync(), backbone.dataSync())).toBeLessThan(1e-5);
    expect(dense.spatialTokens.shape).toEqual([2, 64, 32]);
    tf.dispose([a, b, c, dense, backbone, x] as unknown as tf.TensorContainer);
    model.dispose();
  });

  it('with the noise scaled to 0 makes the argmax decisions of inference (annealing end point)', () => {
    const model = tinyModel();
    const x = images(3);
    const noisy = model.forwardTrain(x, { random: new SeededRandom(5) });
    const quiet = model.forwardTrain(x, { random: new SeededRandom(5), noiseScale: 0 });
    const argmax = model.infer(x, { mode: 'argmax', removeTokens: false });
    const masks = (out: typeof quiet) => out.keepMasks.map((mask) => Array.from(mask.dataSync()));
    expect(masks(quiet)).toEqual(argmax.decisions.map((d) => Array.from(d.kept)));
    expect(masks(noisy)).not.toEqual(masks(quiet));
    // The same pass but for training attention's eps = 1e-6 (spread over the dropped keys too).
    expect(relativeError(quiet.logits.dataSync(), argmax.logits.dataSync())).toBeLessThan(2e-3);
    tf.dispose([noisy, quiet, argmax.logits, x] as unknown as tf.TensorContainer);
    model.dispose();
  });
});

describe('SPViT ViT: checkpoints and token maps', () => {
  it('saves timm keys plus selectors.* and loads back to the same outputs', async () => {
    const model = tinyModel({ sharedHeadWeights: false });
    const file = join(dir, 'model.safetensors');
    await saveSpvitCheckpoint(model, file);
    const reader = await SafetensorsReader.open(file);
    expect(reader.keys).toContain('blocks.0.attn.qkv.weight');
    expect(reader.keys).toContain('selectors.0.gate.fc1.weight');
    expect(reader.keys).toContain('selectors.2.scorer.1.proj.weight');
    await reader.close();
    const loaded = await loadSpvitCheckpoint(file);
    const x = images(2);
    const a = model.infer(x);
    const b = loaded.infer(x);
    expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
    tf.dispose([x, a.logits, b.logits]);
    model.dispose();
    loaded.dispose();
  });

  it('reports which tokens each selector kept, per image', () => {
    const model = tinyModel();
    const x = images(2);
    const maps = tokenMaps(model, { shape: x.shape, data: x.dataSync() as Float32Array }, { mode: 'argmax' });
    const direct = model.infer(x, { mode: 'argmax' });
    expect(maps.images).toBe(2);
    expect(maps.stages).toHaveLength(3);
    maps.stages.forEach((stage, s) => {
      expect(stage.grid).toEqual([8, 8]);
      expect(stage.cellPixels).toEqual([4, 4]);
      expect(stage.kept.flat()).toEqual(Array.from(direct.decisions[s]!.kept));
      expect(stage.keepRatio[0]).toBeCloseTo(stage.kept[0]!.reduce((a, v) => a + v, 0) / 64, 10);
    });
    expect(model.tokensPerBlock()).toEqual([65, 1 + 45 + 1, 1 + 31 + 2, 1 + 22 + 3]);
    tf.dispose([x, direct.logits]);
    model.dispose();
  });
});
