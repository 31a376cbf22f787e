/** The profiling micro-models run in LiteRT and compute what the studio's layers compute. */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../../shared/errors';
import { createSpvitModel } from '../../spvit/load';
import { packageToken } from '../../spvit/package-token';
import { initTensorBackend } from '../../tensor/backend';

import { nchwToNhwc } from './export-model';
import { buildMicroModel, microModelTokenRange } from './micro-models';
import { microModelSource } from './profiling-source';
import { compareOutputs } from './verify/compare';
import { LiteRtRunner } from './verify/litert-runner';

import type { SpvitVisionTransformer } from '../../spvit/vit/spvit-vit';
import type { MicroModelSource } from './micro-models';

let runner: LiteRtRunner;
let model: SpvitVisionTransformer;
let source: MicroModelSource;
const DIM = 48;

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  runner = await LiteRtRunner.start();
  model = createSpvitModel(
    { timm_class: 'VisionTransformer', kwargs: { img_size: 32, patch_size: 4, embed_dim: DIM, depth: 2, num_heads: 3, num_classes: 6 }, spvit: { selector: { blocks: [1] }, keepRatios: [0.5] } },
    { seed: 2 },
  ) as SpvitVisionTransformer;
  // Untrained selectors score every token about 0.5; spread the scores so the topk set is clear.
  for (const entry of model.parameters()) {
    if (entry.key.startsWith('selectors.')) entry.variable.assign(tf.randomNormal(entry.variable.shape, 0, 0.2, 'float32', 9));
  }
  source = microModelSource(model);
});

afterAll(async () => {
  model.dispose();
  await runner.close();
});

function tokens(count: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([1, count, DIM], 0, 1, 'float32', seed).dataSync() as Float32Array);
}

async function runMicro(blockType: Parameters<typeof buildMicroModel>[1], count: number, data: Float32Array): Promise<{ name: string; data: Float32Array | Int32Array; shape: number[] }[]> {
  const micro = buildMicroModel(source, blockType, count);
  expect(micro.inputs).toHaveLength(1);
  return runner.run(micro.bytes, [{ shape: micro.inputs[0]!.shape, dtype: 'float32', data }]);
}

describe('buildMicroModel', () => {
  it('block at N = one transformer block of the model, for several N', async () => {
    for (const count of [1, 7, 65]) {
      const x = tokens(count, count);
      const reference = tf.tidy(() => model.backbone.blocks[0]!.apply(tf.tensor3d(x, [1, count, DIM])).dataSync() as Float32Array);
      const [output] = await runMicro('block', count, x);
      expect(output!.shape).toEqual([1, count, DIM]);
      expect(compareOutputs(output!.data, reference).maxRelativeError).toBeLessThan(1e-4);
    }
  });

  it('block-after-selector gathers CLS + kept rows, appends the package, then runs the block', async () => {
    const x = tokens(20, 4);
    // Kept rows 0..N-2 plus the package row N-1 rebuild x exactly: the result is block(x).
    const reference = tf.tidy(() => model.backbone.blocks[0]!.apply(tf.tensor3d(x, [1, 20, DIM])).dataSync() as Float32Array);
    const [output] = await runMicro('block-after-selector', 20, x);
    expect(compareOutputs(output!.data, reference).maxRelativeError).toBeLessThan(1e-4);
  });

  it('selector at N keeps the ceil(W/2) most probable tokens in order and builds their package token', async () => {
    const count = 33;
    const width = count - 1;
    const x = tokens(count, 5);
    const reference = tf.tidy(() => {
      const candidates = tf.slice(tf.tensor3d(x, [1, count, DIM]), [0, 1, 0], [1, width, DIM]);
      const scores = model.selectors[0]!.apply(candidates, tf.ones([1, width]));
      const keep = tf.reshape(tf.slice(scores.softScore, [0, 0, 0], [1, width, 1]), [1, width]);
      const probabilities = Array.from(keep.dataSync());
      const order = probabilities.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p || a.i - b.i);
      const kept = order.slice(0, Math.ceil(width / 2)).map((entry) => entry.i).sort((a, b) => a - b);
      const dropped = tf.tensor2d(probabilities.map((_, i) => (kept.includes(i) ? 0 : 1)), [1, width]);
      const pkg = packageToken({ tokens: candidates, keepProbability: keep, newlyDropped: dropped, mode: 'average' });
      return { kept, pkg: pkg.dataSync() as Float32Array };
    });
    const outputs = await runMicro('selector', count, x);
    expect(Array.from(outputs[0]!.data)).toEqual(reference.kept);
    expect(compareOutputs(outputs[1]!.data, reference.pkg).maxRelativeError).toBeLessThan(1e-4);
  });

  it('patch-embed = the model embedding (NHWC image in), head = the class-token readout', async () => {
    const pixels = tf.tidy(() => tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 6).dataSync() as Float32Array);
    const embedded = tf.tidy(() => model.backbone.embed(tf.tensor4d(pixels, [1, 3, 32, 32])).dataSync() as Float32Array);
    const [embedOut] = await runMicro('patch-embed', 65, nchwToNhwc(pixels, [3, 32, 32]));
    expect(compareOutputs(embedOut!.data, embedded).maxRelativeError).toBeLessThan(1e-4);
    const cls = tokens(1, 8);
    const logits = tf.tidy(() => model.backbone.classify(tf.tensor3d(cls, [1, 1, DIM])).dataSync() as Float32Array);
    const [headOut] = await runMicro('head', 1, cls);
    expect(headOut!.shape).toEqual([1, 6]);
    expect(compareOutputs(headOut!.data, logits).maxRelativeError).toBeLessThan(1e-4);
  });

  it('refuses token counts a block type cannot have, naming the valid range', () => {
    expect(microModelTokenRange(source.config, 'patch-embed')).toEqual({ min: 65, max: 65 });
    for (const [blockType, count] of [['patch-embed', 64], ['selector', 1], ['block', 0], ['downsample', 10]] as const) {
      let caught: unknown;
      try {
        buildMicroModel(source, blockType, count);
      } catch (error) {
        caught = error;
      }
      expect(isStudioError(caught, 'input/invalid'), `${blockType} ${count}`).toBe(true);
    }
  });
});
