import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { specFromTimm } from '../models/registry';
import { parseSpvitSettings } from '../spvit/settings';
import { initTensorBackend } from '../tensor/backend';

import { TrainingReplica } from './replica';
import { LossWeightsSchema } from './replica-spec';
import { TINY_VIT_KWARGS } from './test-setup';

import type { ShardInput } from './replica-spec';

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
});

function replica(distill: number, token: number): TrainingReplica {
  const spec = specFromTimm('VisionTransformer', TINY_VIT_KWARGS);
  const settings = parseSpvitSettings({ selector: { blocks: [1] }, keepRatios: [0.5] });
  return new TrainingReplica({ kind: 'spvit', spec, settings, seed: 1, labelSmoothing: 0.1, loss: LossWeightsSchema.parse({ distill, token }), targets: [0.5], gumbelTau: 1, hinge: null });
}

function shard(): ShardInput {
  const images = Float32Array.from({ length: 4 * 28 * 28 }, (_, i) => Math.sin(i * 0.1));
  return { images, shape: [4, 1, 28, 28], labels: Int32Array.from([0, 1, 2, 3]), globalBatch: 4, firstImage: 0, step: 0, noiseSeed: 1 };
}

/** Gradients of one shard with a teacher whose weights are all NaN. */
function gradientsWithBrokenTeacher(distill: number, token: number): Float32Array {
  const r = replica(distill, token);
  try {
    const teacherSize = r.spvitModel?.backbone.parameters().reduce((sum, entry) => sum + entry.variable.size, 0) ?? 0;
    r.setTeacher(new Float32Array(teacherSize).fill(Number.NaN));
    const grads = new Float32Array(r.layout.size);
    r.computeShard(shard(), grads);
    return grads;
  } finally {
    r.dispose();
  }
}

describe('TrainingReplica (SPViT)', () => {
  it('skips the teacher pass when both distillation weights are 0', () => {
    const before = tf.memory().numTensors;
    expect(gradientsWithBrokenTeacher(0, 0).every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs the teacher when either distillation term is weighted', () => {
    expect(gradientsWithBrokenTeacher(0.5, 0).some(Number.isNaN)).toBe(true);
    expect(gradientsWithBrokenTeacher(0, 0.5).some(Number.isNaN)).toBe(true);
  });
});
