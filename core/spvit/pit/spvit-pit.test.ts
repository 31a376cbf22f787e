import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { ratioLossTf } from '../../latency/ratio-loss';
import { initTensorBackend } from '../../tensor/backend';
import { checkGradients } from '../../tensor/gradient-check';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { inferSpvitBatches } from '../inference';
import { createSpvitModel } from '../load';
import { SeededRandom } from '../random';

import type { SpvitPoolingVisionTransformer } from './spvit-pit';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

/** PiT with grids 15x15, 8x8, 4x4, widths 16/32/64, one selector per stage. */
function tinyPit(blocks: Array<number | null> = [1, 1, 0], distilled = false): SpvitPoolingVisionTransformer {
  const model = createSpvitModel({
    timm_class: 'PoolingVisionTransformer',
    kwargs: { img_size: 32, patch_size: 4, stride: 2, base_dims: [8, 8, 8], depth: [2, 2, 2], heads: [2, 4, 8], mlp_ratio: 2, num_classes: 5, distilled },
    spvit: { selector: { blocks }, keepRatios: blocks.filter((b) => b !== null).map(() => 0.6) },
  }) as SpvitPoolingVisionTransformer;
  model.parameters().forEach((entry, i) => {
    const std = entry.key.endsWith('fc3.weight') ? 2 : entry.key.endsWith('.bias') ? 0.1 : 0.3;
    const centre = entry.key.includes('norm') && entry.key.endsWith('weight') ? 1 : 0;
    tf.tidy(() => entry.variable.assign(tf.randomNormal(entry.variable.shape, centre, std, 'float32', 300 + i)));
  });
  return model;
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

describe('SPViT PiT', () => {
  it.each([
    ['selectors in every stage', [1, 1, 0], false],
    ['no selector in the last stage, distilled', [0, 1, null], true],
  ] as const)('masked and token-removing passes agree in every mode (%s, batch 3)', async (_, blocks, distilled) => {
    const model = tinyPit([...blocks], distilled);
    expect(model.selectorGrids()).toEqual(
      [
        [15, 15],
        [8, 8],
        [4, 4],
      ].filter((_, i) => blocks[i] !== null),
    );
    const x = tf.randomNormal([3, 3, 32, 32], 0, 1, 'float32', 5) as tf.Tensor4D;
    await expectNoLeakedTensors(() => {
      for (const mode of ['argmax', 'topk', 'stochastic'] as const) {
        const masked = model.infer(x, { mode, removeTokens: false, seed: 2 });
        const removed = model.infer(x, { mode, removeTokens: true, seed: 2 });
        expect(removed.decisions).toHaveLength(masked.decisions.length);
        removed.decisions.forEach((decision, s) => expect(Array.from(decision.kept)).toEqual(Array.from(masked.decisions[s]!.kept)));
        expect(relativeError(removed.logits.dataSync(), masked.logits.dataSync())).toBeLessThan(1e-4);
        tf.dispose([masked.logits, removed.logits]);
      }
    });
    // Different images keep different counts in argmax mode (the padded path ran).
    const argmax = model.infer(x, { mode: 'argmax' });
    const size = argmax.decisions[0]!.kept.length / 3;
    const counts = [0, 1, 2].map((b) => argmax.decisions[0]!.kept.subarray(b * size, (b + 1) * size).reduce((a, v) => a + v, 0));
    expect(new Set(counts).size).toBeGreaterThan(1);
    tf.dispose([x, argmax.logits]);
    model.dispose();
  });

  it('runs the backbone unchanged in the dense pass, and trains every parameter', () => {
    const model = tinyPit();
    const x = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 6) as tf.Tensor4D;
    const dense = model.forwardDense(x);
    const backbone = model.backbone.forward(x);
    expect(relativeError(dense.logits.dataSync(), backbone.dataSync())).toBeLessThan(1e-5);
    expect(dense.spatialTokens.shape).toEqual([2, 16, 64]);
    const out = model.forwardTrain(x, { random: new SeededRandom(1) });
    expect(out.keepMasks.map((m) => m.shape)).toEqual([
      [2, 225],
      [2, 64],
      [2, 16],
    ]);
    expect(out.finalKeepMask.shape).toEqual([2, 16]);
    tf.dispose([dense, backbone, out] as unknown as tf.TensorContainer);
    const report = checkGradients(() => {
      const step = model.forwardTrain(x, { random: new SeededRandom(1) });
      const tokenLoss = tf.mean(tf.mul(tf.square(step.spatialTokens), tf.expandDims(step.finalKeepMask, -1)));
      return tf.addN([tf.mean(tf.square(step.logits)), ratioLossTf(step.keepMasks, [0.6, 0.5, 0.4]), tokenLoss]) as tf.Scalar;
    }, model.parameters());
    expect(report).toMatchObject({ missing: [], degenerate: [], error: null });
    expect(model.tokensPerBlock()).toEqual([1 + 225, 1 + 135 + 1, 1 + 64 + 1, 1 + 38 + 2, 1 + 10 + 3, 1 + 10 + 3]);
    x.dispose();
    model.dispose();
  });

  it('stacks keep masks of different grids for --masks-out, the same whatever the batching', () => {
    const model = tinyPit();
    const x = tf.randomNormal([3, 3, 32, 32], 0, 1, 'float32', 12) as tf.Tensor4D;
    const images = { shape: [3, 3, 32, 32], data: x.dataSync() as Float32Array };
    const whole = inferSpvitBatches(model, images, { mode: 'stochastic', seed: 9, batchSize: 3 });
    const split = inferSpvitBatches(model, images, { mode: 'stochastic', seed: 9, batchSize: 2 });
    expect(whole.masks.shape).toEqual([3, 3, 225]);
    expect(whole.grids).toEqual([
      [15, 15],
      [8, 8],
      [4, 4],
    ]);
    expect(Array.from(split.masks.data)).toEqual(Array.from(whole.masks.data));
    expect(relativeError(split.logits.data, whole.logits.data)).toBeLessThan(1e-4);
    // Stage 1's rows hold 64 decisions, then -1 (no such token).
    const row = whole.masks.data.subarray((1 * 3 + 0) * 225, (1 * 3 + 0) * 225 + 225);
    expect(Array.from(row.subarray(0, 64)).every((v) => v === 0 || v === 1)).toBe(true);
    expect(Array.from(row.subarray(64)).every((v) => v === -1)).toBe(true);
    x.dispose();
    model.dispose();
  });

  it('rejects a selector plan that does not fit the stages', () => {
    expect(() => tinyPit([1, 1])).toThrow(/3 stages but selector.blocks has 2/);
    expect(() => tinyPit([1, 5, 0])).toThrow(/stage 1 has 2 blocks/);
  });
});

describe('SPViT defaults', () => {
  it('places selectors as Part A says for DeiT, PiT and Swin', async () => {
    const { defaultSelectorBlocks, defaultSpvitSettings } = await import('../defaults');
    const { createModel, specFromTimm } = await import('../../models/registry');
    const deit = createModel(specFromTimm('deit_tiny_patch16_224'));
    const pit = createModel(specFromTimm('PoolingVisionTransformer', { depth: [2, 6, 4], base_dims: [8, 8, 8], heads: [1, 2, 4], img_size: 64, patch_size: 8, stride: 4 }));
    const swin = createModel(specFromTimm('SwinTransformer', { img_size: 64, embed_dim: 8, depths: [1, 1, 2, 1], num_heads: [1, 2, 2, 2], window_size: 4 }));
    expect(defaultSelectorBlocks(deit)).toEqual([3, 6, 9]);
    expect(defaultSelectorBlocks(pit)).toEqual([1, 3, 2]);
    expect(defaultSelectorBlocks(swin)).toEqual([null, 0, 0, 0]);
    expect(defaultSpvitSettings(deit)).toMatchObject({ keepRatios: [0.617, 0.369, 0.137], package: { mode: 'average' }, inference: { mode: 'argmax' } });
    for (const model of [deit, pit, swin]) model.dispose();
  });
});
