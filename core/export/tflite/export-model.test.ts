/**
 * The TFLite writer checked by an independent runtime: LiteRT.js (Google's TFLite interpreter and
 * XNNPACK as wasm) runs the exported files, and their outputs must equal the studio's tfjs forward
 * pass within 1e-4 relative (dense ViT variants, SPViT in topk mode, the official SPViT fixtures).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { ByteBuffer } from 'flatbuffers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../../shared/errors';
import { npyToFloat32, readNpy } from '../../models/io/npy';
import { createModel, specFromTimm } from '../../models/registry';
import { createSpvitModel } from '../../spvit/load';
import { initTensorBackend } from '../../tensor/backend';

import { exportTflite, nchwToNhwc } from './export-model';
import { loadModelFolder } from './model-folder';
import { compareOutputs } from './verify/compare';
import { LiteRtRunner } from './verify/litert-runner';

import type { BackboneModel } from '../../models/model';
import type { SpvitModel } from '../../spvit/model';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const TOLERANCE = 1e-4;

let runner: LiteRtRunner;

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  runner = await LiteRtRunner.start();
});

afterAll(async () => {
  await runner.close();
});

function image(shape: readonly [number, number, number], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([1, ...shape], 0, 1, 'float32', seed).dataSync() as Float32Array);
}

/** Studio forward (dense, or SPViT topk with tokens removed) vs LiteRT on the exported file. */
async function checkExport(model: BackboneModel, seeds: number[]): Promise<number> {
  const exported = exportTflite(model);
  let worst = 0;
  for (const seed of seeds) {
    const pixels = image(model.inputShape, seed);
    const reference = tf.tidy(() => {
      const input = tf.tensor4d(pixels, [1, ...model.inputShape]);
      return ('selectors' in model ? (model as SpvitModel).infer(input, { mode: 'topk' }).logits : model.forward(input)).dataSync() as Float32Array;
    });
    const [output] = await runner.run(exported.bytes, [{ shape: exported.input.shape, dtype: 'float32', data: nchwToNhwc(pixels, model.inputShape) }]);
    expect(output?.shape).toEqual(exported.output.shape);
    const comparison = compareOutputs(output!.data, reference);
    expect(comparison.sameTopClass).toBe(true);
    worst = Math.max(worst, comparison.maxRelativeError);
  }
  return worst;
}

/** Random-init selectors score every token ~0.5 (ties decided by rounding); spread their weights. */
function spreadSelectorWeights(model: SpvitModel): void {
  for (const entry of model.parameters()) {
    if (entry.key.startsWith('selectors.')) entry.variable.assign(tf.randomNormal(entry.variable.shape, 0, 0.2, 'float32', entry.key.length));
  }
}

const TINY = { img_size: 32, patch_size: 8, embed_dim: 32, depth: 2, num_heads: 2, num_classes: 5 };

describe('exportTflite: dense ViT/DeiT', () => {
  const variants: [string, string, Record<string, unknown>][] = [
    ['class-token head', 'VisionTransformer', {}],
    ['average pooling with fc_norm', 'VisionTransformer', { global_pool: 'avg', fc_norm: true }],
    ['no class token, avg-max pooling, no head', 'VisionTransformer', { class_token: false, global_pool: 'avgmax', num_classes: 0 }],
    ['registers, no_embed_class, pre_norm, LayerScale, no qkv bias', 'VisionTransformer', { reg_tokens: 2, no_embed_class: true, pre_norm: true, init_values: 0.1, qkv_bias: false }],
    ['DeiT distillation token and head', 'VisionTransformerDistilled', {}],
  ];
  for (const [name, timmClass, kwargs] of variants) {
    it(`runs in LiteRT with the tfjs logits: ${name}`, async () => {
      const model = createModel(specFromTimm(timmClass, { ...TINY, ...kwargs }), { seed: 3 });
      try {
        expect(await checkExport(model, [1, 2])).toBeLessThan(TOLERANCE);
      } finally {
        model.dispose();
      }
    });
  }

  it('reproduces timm DeiT-Tiny (fixture weights) and writes 12 blocks of 197 tokens', async () => {
    const loaded = await loadModelFolder(join(FIXTURES, 'timm/deit_tiny_patch16_224'));
    try {
      const exported = exportTflite(loaded.model);
      expect(exported.tokensPerBlock).toEqual(new Array(12).fill(197));
      expect(exported.operators['BATCH_MATMUL']).toBe(24);
      expect(exported.operators['GELU']).toBe(12);
      expect(exported.weightsBytes).toBeGreaterThan(5_000_000 * 4 * 0.99);
      expect(await checkExport(loaded.model, [4])).toBeLessThan(TOLERANCE);
    } finally {
      loaded.model.dispose();
    }
  });
});

describe('exportTflite: SPViT in topk mode', () => {
  const cases: [string, Record<string, unknown>, number][] = [
    ['shared head scorer, average package', { package: { mode: 'average' } }, 3],
    ['per-head scorers, sum package', { selector: { blocks: [1, 2, 3], sharedHeadWeights: false }, package: { mode: 'sum' } }, 3],
    ['one head, mean package', { package: { mode: 'mean' } }, 1],
  ];
  for (const [name, spvit, heads] of cases) {
    it(`matches the token-removing topk pass: ${name}`, async () => {
      const model = createSpvitModel(
        { timm_class: 'VisionTransformer', kwargs: { img_size: 32, patch_size: 4, embed_dim: 48, depth: 4, num_heads: heads, num_classes: 7 }, spvit: { selector: { blocks: [1, 2, 3] }, keepRatios: [0.7, 0.4, 0.2], ...spvit } },
        { seed: 5 },
      );
      try {
        spreadSelectorWeights(model);
        const exported = exportTflite(model);
        expect(exported.mode).toBe('topk');
        // CLS + kept + one package per selector so far.
        expect(exported.tokensPerBlock).toEqual([65, 1 + 45 + 1, 1 + 26 + 2, 1 + 13 + 3]);
        expect(exported.tokensPerBlock).toEqual(model.tokensPerBlock());
        expect(await checkExport(model, [0, 1, 2])).toBeLessThan(TOLERANCE);
      } finally {
        model.dispose();
      }
    });
  }

  it('matches the official SPViT fixtures (their selector weights) in topk mode', async () => {
    for (const name of ['spvit-s1', 'spvit-deit-tiny-224']) {
      const folder = join(FIXTURES, 'spvit', name);
      const loaded = await loadModelFolder(folder);
      try {
        expect(loaded.spvit).not.toBeNull();
        const exported = exportTflite(loaded.model);
        expect(exported.notes.join(' ')).toMatch(/topk/);
        const input = await readNpy(join(folder, 'input.npy'));
        const [, c, h, w] = input.shape as [number, number, number, number];
        const first = npyToFloat32(input).subarray(0, c * h * w);
        const reference = tf.tidy(() => loaded.spvit!.infer(tf.tensor4d(first, [1, c, h, w]), { mode: 'topk' }).logits.dataSync() as Float32Array);
        const [output] = await runner.run(exported.bytes, [{ shape: exported.input.shape, dtype: 'float32', data: nchwToNhwc(first, [c, h, w]) }]);
        expect(compareOutputs(output!.data, reference).maxRelativeError).toBeLessThan(TOLERANCE);
      } finally {
        loaded.model.dispose();
      }
    }
  });
});

describe('exportTflite: what it refuses', () => {
  it('says model/unsupported for PiT and Swin', () => {
    for (const [timmClass, kwargs] of [
      ['PoolingVisionTransformer', { img_size: 32, patch_size: 4, stride: 2, base_dims: [8, 8], depth: [1, 1], heads: [2, 4], num_classes: 3 }],
      ['SwinTransformer', { img_size: 32, patch_size: 4, embed_dim: 16, depths: [1, 1], num_heads: [2, 4], window_size: 4, num_classes: 3 }],
    ] as const) {
      const model = createModel(specFromTimm(timmClass, kwargs));
      try {
        let caught: unknown;
        try {
          exportTflite(model);
        } catch (error) {
          caught = error;
        }
        expect(isStudioError(caught, 'model/unsupported'), String(caught)).toBe(true);
      } finally {
        model.dispose();
      }
    }
  });
});

describe('the flatbuffer itself', () => {
  /** Minimal table access with the flatbuffers runtime (field id -> vtable slot 4 + 2 id). */
  function field(bb: ByteBuffer, table: number, id: number): number {
    return bb.__offset(table, 4 + 2 * id);
  }

  it('has schema version 3, an empty buffer 0, and both operator code fields', () => {
    const model = createModel(specFromTimm('VisionTransformer', TINY), { seed: 1 });
    const { bytes } = exportTflite(model);
    model.dispose();
    const bb = new ByteBuffer(bytes);
    expect(bb.getBufferIdentifier()).toBe('TFL3');
    const root = bb.readInt32(bb.position()) + bb.position();
    expect(bb.readUint32(root + field(bb, root, 0))).toBe(3);
    const buffers = bb.__vector(root + field(bb, root, 4));
    const buffer0 = bb.__indirect(buffers);
    expect(field(bb, buffer0, 0)).toBe(0);
    const codes = bb.__vector(root + field(bb, root, 1));
    const seen = new Map<number, number>();
    for (let i = 0; i < bb.__vector_len(root + field(bb, root, 1)); i += 1) {
      const code = bb.__indirect(codes + i * 4);
      seen.set(bb.readInt32(code + field(bb, code, 3)), bb.readInt8(code + field(bb, code, 0)));
    }
    // GELU (150) does not fit the int8 field: PLACEHOLDER_FOR_GREATER_OP_CODES (127) goes there.
    expect(seen.get(150)).toBe(127);
    expect(seen.get(126)).toBe(126);
    expect(seen.get(9)).toBe(9);
    expect(seen.get(0)).toBe(0);
  });
});
