import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { createModel, specFromTimm } from '../models/registry';
import { initTensorBackend } from '../tensor/backend';

import { argmaxKeepRatios, calibrateKeepThresholds } from './calibrate-thresholds';
import { scoreMargin } from './sequence-ops';
import { wrapBackbone } from './load';
import { parseSpvitSettings } from './settings';

import type { SpvitModel } from './model';
import type { CalibrationImages } from './calibrate-thresholds';
import type { SpvitVisionTransformer } from './vit/spvit-vit';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

const TARGETS = [0.6, 0.35, 0.15];

function smallModel(seed: number): SpvitModel {
  const spec = specFromTimm('VisionTransformer', { img_size: 16, patch_size: 4, in_chans: 1, num_classes: 4, embed_dim: 24, depth: 4, num_heads: 2 });
  const settings = parseSpvitSettings({ selector: { blocks: [1, 2, 3] }, keepRatios: TARGETS });
  const model = wrapBackbone(createModel(spec, { seed }), settings, seed);
  // Fresh selectors score every token near 0.5: spread their weights so tokens differ.
  model.selectors.forEach((selector, s) =>
    selector.parameters().forEach((entry, i) => tf.tidy(() => entry.variable.assign(tf.randomNormal(entry.variable.shape, 0, 0.4, 'float32', 100 * s + i)))),
  );
  return model;
}

function images(count: number, seed: number): CalibrationImages {
  const shape = [count, 1, 16, 16] as const;
  return { images: tf.tidy(() => tf.randomNormal([...shape], 0, 1, 'float32', seed).dataSync() as Float32Array), shape };
}

describe('argmax threshold calibration', () => {
  it('moves a selector margin by exactly the shift it is given', () => {
    const model = smallModel(1) as SpvitVisionTransformer;
    try {
      const batch = tf.tensor4d(images(3, 2).images, [3, 1, 16, 16]);
      const rules = model.decisionRules(3, { mode: 'topk' });
      const margins = (): Float32Array => {
        const out = model.inferMasked(batch, rules, true);
        const margin = scoreMargin(out.trace?.predScores[1] as tf.Tensor).dataSync() as Float32Array;
        tf.dispose([out.logits, out.finalTokens, ...Object.values(out.trace ?? {}).flat()]);
        return margin;
      };
      const start = margins();
      model.selectors[1]?.shiftKeepMargin(0.75);
      const shifted = margins();
      start.forEach((value, i) => expect(shifted[i]).toBeCloseTo(value + 0.75, 4));
      batch.dispose();
    } finally {
      model.dispose();
    }
  });

  it('makes argmax keep the target share of tokens, selector by selector, and holds on other images', () => {
    const model = smallModel(3);
    try {
      const calibration = images(96, 4);
      const result = calibrateKeepThresholds(model, calibration, { targets: TARGETS, batchSize: 32 });
      result.after.forEach((ratio, s) => expect(Math.abs(ratio - (TARGETS[s] as number))).toBeLessThan(0.003));
      expect(result.before.some((ratio, s) => Math.abs(ratio - (TARGETS[s] as number)) > 0.05)).toBe(true);
      expect(result.offsets.every((offset) => Number.isFinite(offset))).toBe(true);
      // Fresh images from the same distribution keep close to the targets too.
      const held = argmaxKeepRatios(model, images(96, 5), 48);
      held.forEach((ratio, s) => expect(Math.abs(ratio - (TARGETS[s] as number))).toBeLessThan(0.05));
      // Far-off selectors are named; once calibrated, nothing is left to warn about.
      const far = result.before.flatMap((ratio, s) => (Math.abs(ratio - (TARGETS[s] as number)) > 0.05 ? [s] : []));
      expect(result.warnings.map((warning) => Number(/^selector (\d+):/.exec(warning)?.[1]))).toEqual(far);
      expect(calibrateKeepThresholds(model, calibration, { targets: TARGETS, batchSize: 32 }).warnings).toEqual([]);
    } finally {
      model.dispose();
    }
  });

  it('refuses a target count that does not match the selectors', () => {
    const model = smallModel(5);
    try {
      expect(() => calibrateKeepThresholds(model, images(4, 6), { targets: [0.5] })).toThrow(/1 keep-ratio target\(s\) for 3 selector\(s\)/);
    } finally {
      model.dispose();
    }
  });
});
