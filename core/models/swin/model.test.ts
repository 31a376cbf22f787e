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

import type { SwinTransformer } from './model';

// core/ may not import test/, so the shared fixtures are found relative to this file.
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/timm/', import.meta.url));
// Grids 8 -> 4 -> 2 with window 4: stage 1 fits one window exactly, stage 2 clips the window to 2.
const TINY = { img_size: 32, patch_size: 4, window_size: 4, embed_dim: 8, depths: [2, 2, 2], num_heads: [1, 2, 4], mlp_ratio: 2, num_classes: 3 };

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

function tiny(kwargs: Record<string, unknown> = {}): SwinTransformer {
  return createModel(specFromTimm('SwinTransformer', { ...TINY, ...kwargs }), { seed: 4 }) as SwinTransformer;
}

describe('SwinTransformer against timm', () => {
  it('reproduces the logits of swin-custom within 1e-4 on wasm', async () => {
    const folder = join(FIXTURES, 'swin-custom');
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

describe('SwinTransformer structure', () => {
  it('shifts only where the grid exceeds the window, and clips the window (and its bias table) to the grid', () => {
    const model = tiny();
    const geometry = model.stages.map((stage) => stage.blocks.map((block) => ({ window: block.geometry.window, shift: block.geometry.shift })));
    expect(geometry).toEqual([
      [{ window: [4, 4], shift: [0, 0] }, { window: [4, 4], shift: [2, 2] }],
      [{ window: [4, 4], shift: [0, 0] }, { window: [4, 4], shift: [0, 0] }],
      [{ window: [2, 2], shift: [0, 0] }, { window: [2, 2], shift: [0, 0] }],
    ]);
    const tables = model.parameters().filter((entry) => entry.key.endsWith('relative_position_bias_table'));
    expect(tables.map((entry) => `${entry.key}:${entry.timmShape.join('x')}`)).toEqual([
      'layers.0.blocks.0.attn.relative_position_bias_table:49x1', 'layers.0.blocks.1.attn.relative_position_bias_table:49x1',
      'layers.1.blocks.0.attn.relative_position_bias_table:49x2', 'layers.1.blocks.1.attn.relative_position_bias_table:49x2',
      'layers.2.blocks.0.attn.relative_position_bias_table:9x4', 'layers.2.blocks.1.attn.relative_position_bias_table:9x4',
    ]);
    expect(model.tokensPerBlock()).toEqual([64, 64, 16, 16, 4, 4]);
    model.dispose();
  });

  it('handles a non-square image per axis: clipping and shift decided separately for height and width', async () => {
    const model = tiny({ img_size: [32, 48] });
    const geometry = model.stages.map((stage) => stage.blocks.map((block) => [block.geometry.window, block.geometry.shift, block.geometry.padded]));
    expect(geometry).toEqual([
      [[[4, 4], [0, 0], [8, 12]], [[4, 4], [2, 2], [8, 12]]],
      [[[4, 4], [0, 0], [4, 8]], [[4, 4], [0, 2], [4, 8]]],
      [[[2, 3], [0, 0], [2, 3]], [[2, 3], [0, 0], [2, 3]]],
    ]);
    expect(model.tokensPerBlock()).toEqual([96, 96, 24, 24, 6, 6]);
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        expect(model.forward(tf.randomNormal([2, 3, 32, 48], 0, 1, 'float32', 7) as tf.Tensor4D).shape).toEqual([2, 3]);
      }),
    );
    model.dispose();
  });

  it("uses timm 1.0's key names for the embedding, patch merging and head", () => {
    const model = tiny();
    const keys = model.parameters().map((entry) => `${entry.key}:${entry.timmShape.join('x')}`);
    expect(keys.filter((key) => !key.includes('.blocks.'))).toEqual([
      'patch_embed.proj.weight:8x3x4x4', 'patch_embed.proj.bias:8', 'patch_embed.norm.weight:8', 'patch_embed.norm.bias:8',
      'layers.1.downsample.norm.weight:32', 'layers.1.downsample.norm.bias:32', 'layers.1.downsample.reduction.weight:16x32',
      'layers.2.downsample.norm.weight:64', 'layers.2.downsample.norm.bias:64', 'layers.2.downsample.reduction.weight:32x64',
      'norm.weight:32', 'norm.bias:32', 'head.fc.weight:3x32', 'head.fc.bias:3',
    ]);
    model.dispose();
  });

  it('rejects a bias table of another window size, naming the key', () => {
    const model = tiny();
    const weights = model.getWeights();
    weights.set('layers.2.blocks.1.attn.relative_position_bias_table', { shape: [49, 4], data: new Float32Array(196) });
    let caught: unknown;
    try {
      model.loadWeights(weights);
    } catch (error) {
      caught = error;
    }
    expect(isStudioError(caught, 'model/weights-mismatch')).toBe(true);
    expect((caught as Error).message).toContain('layers.2.blocks.1.attn.relative_position_bias_table');
    model.dispose();
  });

  it('pools the normalised final grid: logits = head(mean over H, W of norm(features))', async () => {
    const model = tiny();
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const images = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 5) as tf.Tensor4D;
        const features = model.forwardFeatures(images);
        expect(features.shape).toEqual([2, 2, 2, 32]);
        const expected = model.head!.apply(tf.mean(features, [1, 2]));
        expect(tf.max(tf.abs(tf.sub(model.forward(images), expected))).dataSync()[0]).toBeLessThan(1e-6);
      }),
    );
    model.dispose();
  });
});

describe('SwinStage pieces', () => {
  it('entry -> per-block calls on [B, H*W, C] -> grid equals the stage forward', async () => {
    const model = tiny();
    const stage = model.stages[1]!;
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const images = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 6) as tf.Tensor4D;
        const before = model.stages[0]!.apply(model.embed(images));
        const whole = stage.apply(before);
        let tokens = stage.toTokens(stage.enter(before));
        expect(tokens.shape).toEqual([1, 16, 16]);
        for (let j = 0; j < stage.blocks.length; j++) {
          // The caller may read and rewrite the full grid between blocks.
          const grid = stage.toGrid(tokens);
          tokens = stage.applyBlock(j, stage.toTokens(grid));
        }
        expect(tf.max(tf.abs(tf.sub(whole, stage.toGrid(tokens)))).dataSync()[0]).toBeLessThan(1e-6);
      }),
    );
    model.dispose();
  });
});
