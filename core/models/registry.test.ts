import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../tensor/backend';

import { writeSafetensors } from './io/safetensors';
import { createModel, fromTimmConfig, listTimmModels, modelCost, specFromTimm } from './registry';
import { loadWeightsFile, saveWeightsFile } from './weights';

let dir: string;
beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'spvit-registry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = { img_size: 8, patch_size: 4, embed_dim: 8, depth: 1, num_heads: 2, num_classes: 3 };

describe('model registry', () => {
  it('reads the fixtures\' timm configs: a class with kwargs, or a model name', () => {
    const custom = fromTimmConfig({ timm_class: 'VisionTransformer', kwargs: { img_size: 32, patch_size: 4, embed_dim: 48, depth: 2, num_heads: 3, num_classes: 10 } });
    expect(custom.architecture).toBe('vit');
    expect(custom.config).toMatchObject({ imgSize: 32, embedDim: 48, depth: 2, globalPool: 'token', qkvBias: true, distilled: false });
    const deit = fromTimmConfig({ timm_class: 'deit_tiny_patch16_224', kwargs: {} });
    expect(deit.config).toMatchObject({ imgSize: 224, patchSize: 16, embedDim: 192, depth: 12, numHeads: 3, numClasses: 1000 });
    const overridden = fromTimmConfig({ timm_class: 'deit_small_distilled_patch16_224', kwargs: { num_classes: 10 } });
    expect(overridden.config).toMatchObject({ embedDim: 384, numClasses: 10, distilled: true });
    expect(listTimmModels()).toContain('deit_base_distilled_patch16_224');
  });

  it('names unknown models and unsupported timm arguments', () => {
    expect(() => specFromTimm('resnet50')).toThrow(expect.objectContaining({ code: 'model/unsupported', message: expect.stringContaining("'resnet50'") }));
    expect(() => specFromTimm('VisionTransformer', { ...tiny, dynamic_img_size: true })).toThrow(expect.objectContaining({ code: 'model/unsupported' }));
    expect(() => specFromTimm('VisionTransformer', { ...tiny, block_fn: 'ResPostBlock' })).toThrow(/block_fn/);
    expect(() => specFromTimm('VisionTransformer', { ...tiny, embed_dim: 9 })).toThrow(expect.objectContaining({ code: 'model/invalid-config' }));
    expect(() => specFromTimm('VisionTransformer', { ...tiny, depth: 'two' })).toThrow(/depth/);
    expect(() => fromTimmConfig({ kwargs: {} })).toThrow(/timm_class/);
  });
});

describe('weights', () => {
  it('round-trips through safetensors with timm keys and reproduces the outputs', async () => {
    const spec = specFromTimm('VisionTransformerDistilled', tiny);
    const source = createModel(spec, { seed: 1 });
    const target = createModel(spec, { seed: 2 });
    const file = join(dir, 'tiny.safetensors');
    await saveWeightsFile(source, file);
    await loadWeightsFile(target, file);
    tf.tidy(() => {
      const images = tf.randomNormal([2, 3, 8, 8], 0, 1, 'float32', 9) as tf.Tensor4D;
      expect(Array.from(target.forward(images).dataSync())).toEqual(Array.from(source.forward(images).dataSync()));
    });
    source.dispose();
    target.dispose();
  });

  it('names the missing, unexpected and mis-shaped keys', async () => {
    const model = createModel(specFromTimm('VisionTransformer', tiny));
    const weights = model.getWeights();
    const missing = new Map(weights);
    missing.delete('blocks.0.attn.qkv.bias');
    expect(() => model.loadWeights(missing)).toThrow(expect.objectContaining({ code: 'model/weights-mismatch', message: expect.stringContaining("'blocks.0.attn.qkv.bias'") }));
    const extra = new Map(weights).set('selectors.0.weight', { shape: [1], data: new Float32Array(1) });
    expect(() => model.loadWeights(extra)).toThrow(/'selectors\.0\.weight'/);
    expect(() => model.loadWeights(extra, { allowUnexpected: (key) => key.startsWith('selectors.') })).not.toThrow();
    const file = join(dir, 'wrong.safetensors');
    const wrong = new Map(weights).set('head.weight', { shape: [4, 8], data: new Float32Array(32) });
    await writeSafetensors(file, wrong);
    await expect(loadWeightsFile(model, file)).rejects.toMatchObject({ code: 'model/weights-mismatch', message: expect.stringMatching(/'head\.weight' has shape \[4, 8\], the model expects \[3, 8\]/) });
    model.dispose();
  });
});

describe('FLOP counter', () => {
  it('matches the published DeiT figures (1.26 / 4.6 / 17.6 GMACs; 5.7M / 22M / 86M parameters)', () => {
    const tinyCost = modelCost(specFromTimm('deit_tiny_patch16_224'));
    // Within 1%: fvcore also counts the norms, which are not matMul work.
    const near = (value: number, published: number): boolean => Math.abs(value / published - 1) < 0.01;
    expect(near(tinyCost.macs, 1.26e9)).toBe(true);
    expect(tinyCost.params).toBe(5_717_416);
    const small = modelCost(specFromTimm('deit_small_patch16_224'));
    expect(near(small.macs, 4.61e9)).toBe(true);
    expect(small.params / 1e6).toBeCloseTo(22.05, 1);
    const base = modelCost(specFromTimm('deit_base_patch16_224'));
    expect(near(base.macs, 17.58e9)).toBe(true);
    expect(base.params / 1e6).toBeCloseTo(86.57, 1);
    expect(tinyCost.blocks).toHaveLength(12);
    expect(tinyCost.blocks[0]).toMatchObject({ name: 'blocks.0', tokens: 197 });
  });

  it('counts fewer MACs for pruned token counts, and checks the list length', () => {
    const spec = specFromTimm('deit_tiny_patch16_224');
    const dense = modelCost(spec);
    const pruned = modelCost(spec, { tokensPerBlock: [197, 197, 197, 148, 148, 148, 111, 111, 111, 84, 84, 84] });
    expect(pruned.macs).toBeLessThan(dense.macs * 0.7);
    expect(pruned.params).toBe(dense.params);
    expect(pruned.blocks[3]!.macs).toBeLessThan(dense.blocks[3]!.macs);
    expect(() => modelCost(spec, { tokensPerBlock: [197] })).toThrow(expect.objectContaining({ code: 'input/invalid' }));
  });
});
