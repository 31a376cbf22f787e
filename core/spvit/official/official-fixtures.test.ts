/**
 * The official SPViT forward (PeiyanFlying/SPViT vit_l2_3keep_senet.py, argmax decisions) against our
 * import, for every folder of shared/fixtures/spvit: masks exactly, logits within 1e-4 of the largest
 * logit, with tokens masked and with tokens physically removed; per-stage scores, package tokens,
 * final tokens and block outputs as debugging aids.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { npyToFloat32, readNpy } from '../../models/io/npy';
import { initTensorBackend } from '../../tensor/backend';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { createSpvitModel, loadSpvitWeightsFile } from '../load';

import type { SpvitVisionTransformer } from '../vit/spvit-vit';

// core/ may not import test/, so the shared fixtures are found relative to this file.
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/spvit/', import.meta.url));
const FOLDERS = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

/** max |ours - reference| / max |reference|. */
function relativeError(ours: ArrayLike<number>, reference: ArrayLike<number>): number {
  expect(ours.length).toBe(reference.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    worst = Math.max(worst, Math.abs((ours[i] as number) - (reference[i] as number)));
    scale = Math.max(scale, Math.abs(reference[i] as number));
  }
  return worst / scale;
}

async function npy(folder: string, name: string): Promise<{ shape: number[]; data: Float32Array }> {
  const array = await readNpy(join(FIXTURES, folder, name));
  return { shape: array.shape, data: npyToFloat32(array) };
}

/** The spatial part [B, N, k] of a per-stage tensor [B, M, k] as a flat array. */
function spatial(tensor: tf.Tensor, tokens: number): Float32Array {
  return tf.tidy(() => {
    const [batch, , width] = tensor.shape as [number, number, number];
    return tf.slice(tensor, [0, 0, 0], [batch, tokens, width]).dataSync() as Float32Array;
  });
}

function stageSlice(data: Float32Array, stage: number, stages: number): Float32Array {
  const size = data.length / stages;
  return data.subarray(stage * size, (stage + 1) * size);
}

describe.each(FOLDERS)('official SPViT fixture %s', (folder) => {
  let model: SpvitVisionTransformer;
  let images: tf.Tensor4D;
  let masks: { shape: number[]; data: Float32Array };
  let logits: { shape: number[]; data: Float32Array };

  beforeAll(async () => {
    const config = JSON.parse(await readFile(join(FIXTURES, folder, 'config.json'), 'utf8')) as unknown;
    model = createSpvitModel(config) as SpvitVisionTransformer;
    await loadSpvitWeightsFile(model, join(FIXTURES, folder, 'model.safetensors'));
    const input = await npy(folder, 'input.npy');
    images = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
    masks = await npy(folder, 'masks.npy');
    logits = await npy(folder, 'logits.npy');
  });

  afterAll(() => {
    images.dispose();
    model.dispose();
  });

  it('masked pass: masks exact, logits within 1e-4, and every intermediate close', async () => {
    const [stages, batch, tokens] = masks.shape as [number, number, number];
    const rules = model.decisionRules(batch, { mode: 'argmax' });
    const result = model.inferMasked(images, rules, true);
    const trace = result.trace!;
    expect(result.masks).toHaveLength(stages);
    result.masks.forEach((mask, s) => expect(Array.from(mask)).toEqual(Array.from(stageSlice(masks.data, s, stages), (v) => (v === 1 ? 1 : 0))));
    expect(result.logits.shape).toEqual(logits.shape);
    expect(relativeError(result.logits.dataSync(), logits.data)).toBeLessThan(1e-4);

    const pred = await npy(folder, 'pred_score.npy');
    const soft = await npy(folder, 'softmax_score.npy');
    const packages = await npy(folder, 'package_tokens.npy');
    for (let s = 0; s < stages; s++) {
      expect(relativeError(spatial(trace.predScores[s]!, tokens), stageSlice(pred.data, s, stages))).toBeLessThan(1e-4);
      expect(relativeError(spatial(trace.softScores[s]!, tokens), stageSlice(soft.data, s, stages))).toBeLessThan(1e-4);
      expect(relativeError(trace.packages[s]!.dataSync(), stageSlice(packages.data, s, stages))).toBeLessThan(1e-4);
    }
    const final = await npy(folder, 'final_tokens.npy');
    expect(result.finalTokens.shape).toEqual(final.shape);
    expect(relativeError(result.finalTokens.dataSync(), final.data)).toBeLessThan(1e-4);
    for (let i = 0; i < trace.blockOutputs.length; i++) {
      const expected = await npy(folder, join('intermediates', `block_${String(i).padStart(2, '0')}_out.npy`));
      expect(trace.blockOutputs[i]!.shape).toEqual(expected.shape);
      expect(relativeError(trace.blockOutputs[i]!.dataSync(), expected.data)).toBeLessThan(1e-4);
    }
    tf.dispose([result.logits, result.finalTokens, trace.predScores, trace.softScores, trace.packages, trace.blockOutputs]);
  });

  it('tokens physically removed (argmax): the same masks and logits', async () => {
    const stages = masks.shape[0] as number;
    await expectNoLeakedTensors(() => {
      const result = model.infer(images, { mode: 'argmax' });
      expect(result.decisions).toHaveLength(stages);
      result.decisions.forEach((decision, s) => {
        expect(decision.grid).toEqual([14, 14]);
        expect(Array.from(decision.kept)).toEqual(Array.from(stageSlice(masks.data, s, stages), (v) => (v === 1 ? 1 : 0)));
      });
      expect(relativeError(result.logits.dataSync(), logits.data)).toBeLessThan(1e-4);
      result.logits.dispose();
    });
  });

  it.each(['topk', 'stochastic'] as const)('%s mode: masked and removed passes agree', (mode) => {
    const masked = model.infer(images, { mode, removeTokens: false, seed: 5 });
    const removed = model.infer(images, { mode, removeTokens: true, seed: 5 });
    removed.decisions.forEach((decision, s) => expect(Array.from(decision.kept)).toEqual(Array.from(masked.decisions[s]!.kept)));
    expect(relativeError(removed.logits.dataSync(), masked.logits.dataSync())).toBeLessThan(1e-4);
    if (mode === 'topk') {
      const batch = images.shape[0];
      const counts = masked.decisions.map((d) => d.kept.reduce((a, b) => a + b, 0) / batch);
      expect(counts).toEqual(model.settings.keepRatios.map((ratio) => Math.max(1, Math.round(ratio * 196))));
    }
    tf.dispose([masked.logits, removed.logits]);
  });
});
