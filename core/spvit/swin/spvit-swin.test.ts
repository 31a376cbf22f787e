import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { ratioLossTf } from '../../latency/ratio-loss';
import { initTensorBackend } from '../../tensor/backend';
import { checkGradients } from '../../tensor/gradient-check';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { createSpvitModel } from '../load';
import { SeededRandom } from '../random';

import type { SpvitSwinTransformer } from './spvit-swin';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

interface TinySwin {
  kwargs: Record<string, unknown>;
  blocks: Array<number | null>;
  packageMode?: 'average' | 'sum' | 'mean';
}

/** Grids 16/8/4/2 (shifted windows in stage 1), or 6/3 (padded windows). */
const FOUR_STAGES: TinySwin = {
  kwargs: { img_size: 32, patch_size: 2, window_size: 4, embed_dim: 16, depths: [2, 2, 2, 2], num_heads: [2, 2, 4, 8], mlp_ratio: 2, num_classes: 5 },
  blocks: [null, 0, 1, 0],
};
const PADDED: TinySwin = {
  kwargs: { img_size: 24, patch_size: 4, window_size: 4, embed_dim: 16, depths: [2, 2], num_heads: [2, 4], mlp_ratio: 2, num_classes: 5 },
  blocks: [0, 1],
  packageMode: 'sum',
};

function tinySwin(spec: TinySwin): SpvitSwinTransformer {
  const model = createSpvitModel({
    timm_class: 'SwinTransformer',
    kwargs: spec.kwargs,
    spvit: { selector: { blocks: spec.blocks }, package: { mode: spec.packageMode ?? 'average' }, keepRatios: spec.blocks.filter((b) => b !== null).map(() => 0.5) },
  }) as SpvitSwinTransformer;
  model.parameters().forEach((entry, i) => {
    const std = entry.key.endsWith('fc3.weight') ? 2 : entry.key.endsWith('.bias') ? 0.1 : 0.3;
    const centre = entry.key.includes('norm') && entry.key.endsWith('weight') ? 1 : 0;
    tf.tidy(() => entry.variable.assign(tf.randomNormal(entry.variable.shape, centre, std, 'float32', 500 + i)));
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

describe('SPViT Swin', () => {
  it.each([
    ['four stages, shifted windows after a selector', FOUR_STAGES],
    ['padded windows, sum packages', PADDED],
  ] as const)('masked and token-removing passes agree in every mode (%s, batch 3)', async (_, spec) => {
    const model = tinySwin(spec);
    const side = spec.kwargs.img_size as number;
    const x = tf.randomNormal([3, 3, side, side], 0, 1, 'float32', 8) as tf.Tensor4D;
    await expectNoLeakedTensors(() => {
      for (const mode of ['argmax', 'topk', 'stochastic'] as const) {
        const masked = model.infer(x, { mode, removeTokens: false, seed: 3 });
        const removed = model.infer(x, { mode, removeTokens: true, seed: 3 });
        expect(removed.decisions.map((d) => d.grid)).toEqual(model.selectorGrids());
        removed.decisions.forEach((decision, s) => expect(Array.from(decision.kept)).toEqual(Array.from(masked.decisions[s]!.kept)));
        expect(relativeError(removed.logits.dataSync(), masked.logits.dataSync())).toBeLessThan(1e-4);
        tf.dispose([masked.logits, removed.logits]);
      }
    });
    x.dispose();
    model.dispose();
  });

  it('runs timm Swin unchanged in the dense pass, and trains every parameter', () => {
    const model = tinySwin(FOUR_STAGES);
    expect(model.selectorGrids()).toEqual([
      [8, 8],
      [4, 4],
      [2, 2],
    ]);
    const x = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 9) as tf.Tensor4D;
    const dense = model.forwardDense(x);
    const backbone = model.backbone.forward(x);
    expect(relativeError(dense.logits.dataSync(), backbone.dataSync())).toBeLessThan(1e-5);
    const out = model.forwardTrain(x, { random: new SeededRandom(2) });
    expect(out.keepMasks.map((m) => m.shape)).toEqual([
      [2, 64],
      [2, 16],
      [2, 4],
    ]);
    expect(out.spatialTokens.shape).toEqual([2, 4, 128]);
    tf.dispose([dense, backbone, out] as unknown as tf.TensorContainer);
    const report = checkGradients(() => {
      const step = model.forwardTrain(x, { random: new SeededRandom(2) });
      return tf.add(tf.mean(tf.square(step.logits)), ratioLossTf(step.keepMasks, [0.5, 0.5, 0.5])) as tf.Scalar;
    }, model.parameters());
    expect(report).toMatchObject({ missing: [], degenerate: [], error: null });
    x.dispose();
    model.dispose();
  });
});
