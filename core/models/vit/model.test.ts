import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { readNpy, npyToFloat32 } from '../io/npy';
import { createModel, fromTimmConfig, specFromTimm } from '../registry';
import { countParameters, loadWeightsFile } from '../weights';

import type { BackboneModel } from '../model';
import type { VisionTransformer } from './model';

// core/ may not import test/, so the shared fixtures are found relative to this file.
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/timm/', import.meta.url));

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

async function fixtureLogits(name: string): Promise<{ ours: Float32Array; timm: Float32Array; model: BackboneModel }> {
  const folder = join(FIXTURES, name);
  const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as { input_shape: number[] };
  const model = createModel(fromTimmConfig(config), { seed: 1 });
  await loadWeightsFile(model, join(folder, 'model.safetensors'));
  const input = await readNpy(join(folder, 'input.npy'));
  const expected = await readNpy(join(folder, 'logits.npy'));
  expect(input.shape).toEqual(config.input_shape);
  const ours = await expectNoLeakedTensors(() =>
    tf.tidy(() => model.forward(tf.tensor4d(npyToFloat32(input), input.shape as [number, number, number, number])).dataSync() as Float32Array),
  );
  return { ours, timm: npyToFloat32(expected), model };
}

function relativeError(ours: Float32Array, timm: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < timm.length; i++) {
    worst = Math.max(worst, Math.abs((ours[i] as number) - (timm[i] as number)));
    scale = Math.max(scale, Math.abs(timm[i] as number));
  }
  return worst / scale;
}

describe('VisionTransformer against timm', () => {
  it.each(['vit-tiny-custom', 'deit_tiny_patch16_224'])('reproduces the logits of %s within 1e-4 on wasm', async (name) => {
    const { ours, timm, model } = await fixtureLogits(name);
    expect(ours.length).toBe(timm.length);
    expect(relativeError(ours, timm)).toBeLessThan(1e-4);
    model.dispose();
  });
});

describe('VisionTransformer key names', () => {
  function keysOf(name: string, kwargs: Record<string, unknown>): string[] {
    const model = createModel(specFromTimm(name, kwargs));
    const keys = model.parameters().map((entry) => `${entry.key}:${entry.timmShape.join('x')}`);
    model.dispose();
    return keys.filter((key) => !key.startsWith('blocks.'));
  }
  const tiny = { img_size: 8, patch_size: 4, embed_dim: 8, depth: 1, num_heads: 2, num_classes: 3 };

  it('follows timm for the distilled DeiT (dist_token, head_dist, pos_embed over 2 prefix tokens)', () => {
    expect(keysOf('VisionTransformerDistilled', tiny)).toEqual([
      'cls_token:1x1x8', 'pos_embed:1x6x8', 'dist_token:1x1x8', 'patch_embed.proj.weight:8x3x4x4', 'patch_embed.proj.bias:8',
      'norm.weight:8', 'norm.bias:8', 'head.weight:3x8', 'head.bias:3', 'head_dist.weight:3x8', 'head_dist.bias:3',
    ]);
  });

  it("moves the final norm to fc_norm for global_pool 'avg', and handles registers, no_embed_class, pre_norm", () => {
    expect(keysOf('VisionTransformer', { ...tiny, global_pool: 'avg', class_token: false })).toEqual([
      'pos_embed:1x4x8', 'patch_embed.proj.weight:8x3x4x4', 'patch_embed.proj.bias:8', 'fc_norm.weight:8', 'fc_norm.bias:8', 'head.weight:3x8', 'head.bias:3',
    ]);
    expect(keysOf('VisionTransformer', { ...tiny, reg_tokens: 2, no_embed_class: true, pre_norm: true })).toEqual([
      'cls_token:1x1x8', 'reg_token:1x2x8', 'pos_embed:1x4x8', 'patch_embed.proj.weight:8x3x4x4', 'norm_pre.weight:8', 'norm_pre.bias:8',
      'norm.weight:8', 'norm.bias:8', 'head.weight:3x8', 'head.bias:3',
    ]);
  });

  it('names LayerScale and qk-norm parameters as timm does', () => {
    const model = createModel(specFromTimm('VisionTransformer', { ...tiny, init_values: 1e-5, qk_norm: true, qkv_bias: false }));
    const keys = model.parameters().map((entry) => entry.key).filter((key) => key.startsWith('blocks.0.'));
    expect(keys).toEqual([
      'blocks.0.norm1.weight', 'blocks.0.norm1.bias', 'blocks.0.attn.qkv.weight', 'blocks.0.attn.q_norm.weight', 'blocks.0.attn.q_norm.bias',
      'blocks.0.attn.k_norm.weight', 'blocks.0.attn.k_norm.bias', 'blocks.0.attn.proj.weight', 'blocks.0.attn.proj.bias', 'blocks.0.ls1.gamma',
      'blocks.0.norm2.weight', 'blocks.0.norm2.bias', 'blocks.0.mlp.fc1.weight', 'blocks.0.mlp.fc1.bias', 'blocks.0.mlp.fc2.weight', 'blocks.0.mlp.fc2.bias',
      'blocks.0.ls2.gamma',
    ]);
    model.dispose();
  });
});

describe('VisionTransformer semantics', () => {
  const tiny = { img_size: 8, patch_size: 4, embed_dim: 8, depth: 2, num_heads: 2, num_classes: 3 };

  it('averages the class and distillation heads in eval mode', () => {
    const model = createModel(specFromTimm('VisionTransformerDistilled', tiny), { seed: 5 });
    tf.tidy(() => {
      const images = tf.randomNormal([2, 3, 8, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
      const vit = model as VisionTransformer;
      const { logits, distLogits } = vit.headOutputs(vit.runBlocks(vit.embed(images)));
      const mean = tf.div(tf.add(logits, distLogits!), 2);
      expect(tf.max(tf.abs(tf.sub(model.forward(images), mean))).dataSync()[0]).toBeLessThan(1e-6);
      expect(tf.max(tf.abs(tf.sub(logits, distLogits!))).dataSync()[0]).toBeGreaterThan(1e-4);
    });
    model.dispose();
  });

  it('pools avg, max and avgmax over the patch tokens only', () => {
    const results = new Map<string, Float32Array>();
    for (const pool of ['avg', 'max', 'avgmax']) {
      const model = createModel(specFromTimm('VisionTransformer', { ...tiny, global_pool: pool, num_classes: 0, fc_norm: false }), { seed: 6 });
      results.set(pool, tf.tidy(() => model.forward(tf.randomNormal([1, 3, 8, 8], 0, 1, 'float32', 4) as tf.Tensor4D).dataSync() as Float32Array));
      model.dispose();
    }
    const avg = results.get('avg')!;
    const max = results.get('max')!;
    const avgmax = results.get('avgmax')!;
    expect(avg.length).toBe(8);
    for (let i = 0; i < 8; i++) {
      expect(max[i]).toBeGreaterThanOrEqual(avg[i]!);
      expect(avgmax[i]).toBeCloseTo((avg[i]! + max[i]!) / 2, 5);
    }
  });

  it('rejects images of the wrong size, naming the expected shape', () => {
    const model = createModel(specFromTimm('VisionTransformer', tiny));
    const images = tf.zeros([1, 3, 16, 16]) as tf.Tensor4D;
    expect(() => model.forward(images)).toThrow(/\[B, 3, 8, 8\]/);
    images.dispose();
    model.dispose();
  });

  it('lowers the loss in a few Adam steps on wasm, without leaking tensors', async () => {
    const model = createModel(specFromTimm('VisionTransformer', { ...tiny, qk_norm: true, init_values: 0.1 }), { seed: 7 });
    const images = tf.randomNormal([8, 3, 8, 8], 0, 1, 'float32', 8) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    const optimizer = tf.train.adam(0.01);
    const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(labels, model.forward(images)) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]!);
    const step = (): void => tf.tidy(() => { optimizer.minimize(loss, false, model.trainableVariables()); });
    // The first step creates Adam's moment variables; later steps must not add tensors.
    step();
    await expectNoLeakedTensors(() => {
      for (let i = 0; i < 14; i++) step();
    });
    const last = tf.tidy(() => loss().dataSync()[0]!);
    expect(last).toBeLessThan(first * 0.7);
    optimizer.dispose();
    tf.dispose([images, labels]);
    model.dispose();
  });

  it('counts the parameters its cost model predicts', async () => {
    const { modelCost } = await import('../registry');
    for (const kwargs of [tiny, { ...tiny, global_pool: 'avg' }, { ...tiny, qk_norm: true, init_values: 0.1, reg_tokens: 1 }]) {
      const spec = specFromTimm('VisionTransformer', kwargs);
      const model = createModel(spec);
      expect(modelCost(spec).params).toBe(countParameters(model));
      model.dispose();
    }
    const distilled = specFromTimm('deit_tiny_distilled_patch16_224');
    const model = createModel(distilled);
    expect(modelCost(distilled).params).toBe(countParameters(model));
    model.dispose();
  });
});
