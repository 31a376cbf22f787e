/** Official checkpoint import: key names, shared-copy checks, config reading, and errors that name the keys. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { readSafetensors } from '../../models/io/safetensors';
import { isStudioError } from '../../shared/errors';
import { initTensorBackend } from '../../tensor/backend';
import { createSpvitModel, loadSpvitStateDict } from '../load';

import { readOfficialConfig } from './config';

import type { HostTensor } from '../../tensor/host-tensor';

const FOLDER = fileURLToPath(new URL('../../../../shared/fixtures/spvit/spvit-s1/', import.meta.url));

let config: { reference: unknown; kwargs: Record<string, unknown> };
let official: Map<string, HostTensor>;

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  config = JSON.parse(await readFile(join(FOLDER, 'config.json'), 'utf8')) as typeof config;
  official = await readSafetensors(join(FOLDER, 'model.safetensors'));
});

function withKwargs(kwargs: Record<string, unknown>): unknown {
  return { ...config, kwargs: { ...config.kwargs, ...kwargs } };
}

function loadError(tensors: ReadonlyMap<string, HostTensor>, json: unknown = config, sharedHeadWeights?: boolean): Error & { code?: string } {
  const model = createSpvitModel(json, sharedHeadWeights === undefined ? {} : { sharedHeadWeights });
  try {
    loadSpvitStateDict(model, tensors, 'model.safetensors');
  } catch (error) {
    return error as Error;
  } finally {
    model.dispose();
  }
  throw new Error('expected the load to fail');
}

describe('official config', () => {
  it('maps the constructor arguments and the official semantics', () => {
    const { timmKwargs, settings } = readOfficialConfig(config);
    expect(timmKwargs).toMatchObject({ img_size: 56, patch_size: 4, embed_dim: 48, depth: 4, num_heads: 3, qkv_bias: true, num_classes: 10 });
    expect(settings).toEqual({
      selector: { blocks: [1, 2, 3], sharedHeadWeights: true, normEps: 1e-5 },
      package: { mode: 'sum' },
      keepRatios: [0.617, 0.369, 0.137],
      inference: { mode: 'argmax', seed: 0 },
    });
  });

  it('names kwargs it cannot honour', () => {
    for (const [kwargs, pattern] of [
      [{ qk_scale: 0.1 }, /qk_scale/],
      [{ representation_size: 64 }, /representation_size/],
      [{ use_magic: true }, /use_magic/],
    ] as const) {
      expect(() => readOfficialConfig(withKwargs(kwargs))).toThrow(pattern);
    }
    expect(() => readOfficialConfig({ reference: { class: 'Other' }, kwargs: {} })).toThrow(/VisionTransformerDiffPruning/);
  });
});

describe('official weights', () => {
  it('stores shared head weights as identical copies; per-head import gives the same model', () => {
    const shared = createSpvitModel(config);
    const perHead = createSpvitModel(config, { sharedHeadWeights: false });
    loadSpvitStateDict(shared, official, 'model.safetensors');
    loadSpvitStateDict(perHead, official, 'model.safetensors');
    expect(perHead.selectors[0]!.scorers).toHaveLength(3);
    const x = tf.randomNormal([2, 3, 56, 56], 0, 1, 'float32', 1) as tf.Tensor4D;
    const a = shared.infer(x);
    const b = perHead.infer(x);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.logits, b.logits))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, a.logits, b.logits]);
    shared.dispose();
    perHead.dispose();
  });

  it('refuses copies that differ when head weights are shared, naming the keys', () => {
    const tensors = new Map(official);
    const key = 'score_predictor.1.out_conv.2.0.weight';
    const changed = tensors.get(key)!;
    tensors.set(key, { shape: changed.shape, data: changed.data.map((v, i) => (i === 0 ? v + 1 : v)) });
    const error = loadError(tensors);
    expect(isStudioError(error, 'model/weights-mismatch')).toBe(true);
    expect(error.message).toContain(key);
    expect(error.message).toContain('selectors.1.scorer.fc1.weight');
    // Independent per-head weights load fine.
    const perHead = createSpvitModel(config, { sharedHeadWeights: false });
    loadSpvitStateDict(perHead, tensors, 'model.safetensors');
    perHead.dispose();
  });

  it('names missing, unexpected and mis-shaped keys', () => {
    const tensors = new Map(official);
    tensors.delete('blocks.2.mlp.fc1.bias');
    tensors.delete('score_predictor.0.senet.2.bias');
    tensors.set('score_predictor.3.senet.0.weight', { shape: [1, 3], data: new Float32Array(3) });
    tensors.set('head.weight', { shape: [11, 48], data: new Float32Array(11 * 48) });
    const error = loadError(tensors);
    expect(isStudioError(error, 'model/weights-mismatch')).toBe(true);
    for (const fragment of ['blocks.2.mlp.fc1.bias', 'score_predictor.0.senet.2.bias', 'score_predictor.3.senet.0.weight', 'head.weight [11, 48] (expected [10, 48])']) {
      expect(error.message).toContain(fragment);
    }
  });

  it('catches a qkv_bias mismatch between config and checkpoint', () => {
    expect(loadError(official, withKwargs({ qkv_bias: false })).message).toMatch(/unexpected keys: .*blocks\.0\.attn\.qkv\.bias/);
  });
});
