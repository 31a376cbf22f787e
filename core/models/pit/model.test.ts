import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../../shared/errors';
import { initTensorBackend } from '../../tensor/backend';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { npyToFloat32, readNpy } from '../io/npy';
import { createModel, fromTimmConfig, specFromTimm } from '../registry';
import { loadWeightsFile } from '../weights';

import type { PoolingVisionTransformer } from './model';

// core/ may not import test/, so the shared fixtures are found relative to this file.
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/timm/', import.meta.url));
const TINY = { img_size: 20, patch_size: 4, stride: 2, base_dims: [4, 4], depth: [1, 2], heads: [2, 4], mlp_ratio: 2, num_classes: 3 };

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

function relativeError(ours: Float32Array, timm: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < timm.length; i++) {
    worst = Math.max(worst, Math.abs((ours[i] as number) - (timm[i] as number)));
    scale = Math.max(scale, Math.abs(timm[i] as number));
  }
  return worst / scale;
}

function tiny(kwargs: Record<string, unknown> = {}): PoolingVisionTransformer {
  return createModel(specFromTimm('PoolingVisionTransformer', { ...TINY, ...kwargs }), { seed: 3 }) as PoolingVisionTransformer;
}

describe('PoolingVisionTransformer against timm', () => {
  it('reproduces the logits of pit-custom within 1e-4 on wasm', async () => {
    const folder = join(FIXTURES, 'pit-custom');
    const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as unknown;
    const model = createModel(fromTimmConfig(config), { seed: 1 });
    await loadWeightsFile(model, join(folder, 'model.safetensors'));
    const input = await readNpy(join(folder, 'input.npy'));
    const expected = npyToFloat32(await readNpy(join(folder, 'logits.npy')));
    const ours = await expectNoLeakedTensors(() =>
      tf.tidy(() => model.forward(tf.tensor4d(npyToFloat32(input), input.shape as [number, number, number, number])).dataSync() as Float32Array),
    );
    expect(ours.length).toBe(expected.length);
    expect(relativeError(ours, expected)).toBeLessThan(1e-4);
    model.dispose();
  });
});

describe('PoolingVisionTransformer structure', () => {
  it("uses timm 1.0's key names: pooling under transformers.<i>.pool for i > 0, head_dist when distilled", () => {
    const model = tiny({ distilled: true });
    const keys = model.parameters().map((entry) => `${entry.key}:${entry.timmShape.join('x')}`);
    expect(keys.filter((key) => !key.includes('.blocks.'))).toEqual([
      'pos_embed:1x8x9x9', 'cls_token:1x2x8', 'patch_embed.conv.weight:8x3x4x4', 'patch_embed.conv.bias:8',
      'transformers.1.pool.conv.weight:16x1x3x3', 'transformers.1.pool.conv.bias:16', 'transformers.1.pool.fc.weight:16x8', 'transformers.1.pool.fc.bias:16',
      'norm.weight:16', 'norm.bias:16', 'head.weight:3x16', 'head.bias:3', 'head_dist.weight:3x16', 'head_dist.bias:3',
    ]);
    expect(keys.filter((key) => key.startsWith('transformers.1.blocks.1.'))).toEqual([
      'transformers.1.blocks.1.norm1.weight:16', 'transformers.1.blocks.1.norm1.bias:16', 'transformers.1.blocks.1.attn.qkv.weight:48x16',
      'transformers.1.blocks.1.attn.qkv.bias:48', 'transformers.1.blocks.1.attn.proj.weight:16x16', 'transformers.1.blocks.1.attn.proj.bias:16',
      'transformers.1.blocks.1.norm2.weight:16', 'transformers.1.blocks.1.norm2.bias:16', 'transformers.1.blocks.1.mlp.fc1.weight:32x16',
      'transformers.1.blocks.1.mlp.fc1.bias:32', 'transformers.1.blocks.1.mlp.fc2.weight:16x32', 'transformers.1.blocks.1.mlp.fc2.bias:16',
    ]);
    // Grids: (20 - 4) / 2 + 1 = 9, pooled to (9 + 2 - 3) / 2 + 1 = 5; two class tokens.
    expect(model.tokensPerBlock()).toEqual([2 + 81, 2 + 25, 2 + 25]);
    model.dispose();
  });

  it('rejects weights of the wrong shape, naming the key', async () => {
    const model = tiny();
    const weights = model.getWeights();
    weights.set('transformers.1.pool.conv.weight', { shape: [16, 1, 2, 2], data: new Float32Array(64) });
    let caught: unknown;
    try {
      model.loadWeights(weights);
    } catch (error) {
      caught = error;
    }
    expect(isStudioError(caught, 'model/weights-mismatch')).toBe(true);
    expect((caught as Error).message).toContain('transformers.1.pool.conv.weight');
    model.dispose();
  });

  it('averages head(class token) and head_dist(distillation token); the older timm mode feeds the class token to both', async () => {
    const model = tiny({ distilled: true });
    const spec = specFromTimm('PoolingVisionTransformer', { ...TINY, distilled: true });
    expect(spec.config.distillationHeadToken).toBe('distillation');
    const olderTimm = createModel({ ...spec, config: { ...spec.config, distillationHeadToken: 'class' } }, { seed: 3 });
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const images = tf.randomNormal([2, 3, 20, 20], 0, 1, 'float32', 8) as tf.Tensor4D;
        const tokens = model.forwardFeatures(images);
        const token = (i: number): tf.Tensor2D => tf.reshape(tf.slice(tokens, [0, i, 0], [2, 1, 16]), [2, 16]);
        const head = model.head!;
        const headDist = model.headDist!;
        const current = tf.div(tf.add(head.apply(token(0)), headDist.apply(token(1))), 2);
        const older = tf.div(tf.add(head.apply(token(0)), headDist.apply(token(0))), 2);
        expect(tf.max(tf.abs(tf.sub(model.forward(images), current))).dataSync()[0]).toBeLessThan(1e-6);
        expect(tf.max(tf.abs(tf.sub(olderTimm.forward(images), older))).dataSync()[0]).toBeLessThan(1e-6);
        expect(tf.max(tf.abs(tf.sub(current, older))).dataSync()[0]).toBeGreaterThan(1e-4);
      }),
    );
    model.dispose();
    olderTimm.dispose();
  });
});

describe('PitStage pieces', () => {
  it('entry -> per-block calls on [B, N, C] -> grid gives the stage forward, and grid edits between blocks take effect', async () => {
    const model = tiny();
    const stage = model.stages[1]!;
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const images = tf.randomNormal([2, 3, 20, 20], 0, 1, 'float32', 9) as tf.Tensor4D;
        const before = model.stages[0]!.apply(model.embed(images));
        const whole = stage.apply(before);
        const entered = stage.enter(before);
        let sequence = stage.toSequence(entered);
        for (let j = 0; j < stage.blocks.length; j++) sequence = stage.applyBlock(j, sequence);
        const pieces = stage.fromSequence(sequence, 1);
        expect(tf.max(tf.abs(tf.sub(whole.grid, pieces.grid))).dataSync()[0]).toBeLessThan(1e-6);
        expect(tf.max(tf.abs(tf.sub(whole.classTokens, pieces.classTokens))).dataSync()[0]).toBeLessThan(1e-6);
        // Pruned run: block 0 sees the class token and 10 grid tokens only; the other grid
        // positions keep their value (the restored grid the next block and the pooling see).
        const full = stage.toSequence(entered);
        const kept = tf.slice(full, [0, 0, 0], [2, 11, 16]);
        const restored = tf.concat([stage.applyBlock(0, kept), tf.slice(full, [0, 11, 0], [2, 15, 16])], 1) as tf.Tensor3D;
        const grid = stage.fromSequence(restored, 1).grid;
        expect(grid.shape).toEqual([2, 5, 5, 16]);
        expect(tf.max(tf.abs(tf.sub(tf.slice(grid, [0, 4, 0, 0], [2, 1, 5, 16]), tf.slice(entered.grid, [0, 4, 0, 0], [2, 1, 5, 16])))).dataSync()[0]).toBe(0);
      }),
    );
    model.dispose();
  });
});
