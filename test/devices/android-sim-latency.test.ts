import { describe, expect, it } from 'vitest';

import { exportTflite } from '../../core/export/tflite/export-model';
import { buildMicroModel } from '../../core/export/tflite/micro-models';
import { microModelSource } from '../../core/export/tflite/profiling-source';
import { createModel, specFromTimm } from '../../core/models/registry';
import { DEIT_TINY, TINY_VIT, vitBlockTflite, vitTflite } from '../fixtures/android/tflite-vit';
import { GALAXY_S20 } from '../../devices/sim/phone/profiles/galaxy-s20';
import { readTfliteModel, TfliteLoadError } from '../../devices/sim/phone/tflite/read-tflite';

import { ModelLoadError } from '../../devices/sim/phone/latency/estimator';
import { estimateTfliteLatency } from '../../devices/sim/phone/latency/tflite-cost-model';

import type { LatencyEstimateOptions } from '../../devices/sim/phone/latency/estimator';

const BIG_CORES = [4, 5, 6, 7];

function options(overrides: Partial<LatencyEstimateOptions> = {}): LatencyEstimateOptions {
  return { profile: GALAXY_S20, threads: 4, allowedCpus: BIG_CORES, useGpu: false, useXnnpack: true, ...overrides };
}

describe('readTfliteModel', () => {
  it('reads the operators and tensor shapes of a ViT flatbuffer', () => {
    const model = readTfliteModel(vitTflite(TINY_VIT));
    expect(model.operators[0]!.opcode).toBe('CONV_2D');
    const matmuls = model.operators.filter((op) => op.opcode === 'BATCH_MATMUL');
    expect(matmuls).toHaveLength(2 * TINY_VIT.depth);
    const scores = model.tensors[matmuls[0]!.outputs[0]!]!;
    expect(scores.shape).toEqual([1, 2, 17, 17]);
    expect(matmuls[0]!.options?.bool(1)).toBe(true);
    const qkvWeights = model.tensors.find((tensor) => tensor.name === 'blocks.0/attn/qkv/weight')!;
    expect([qkvWeights.shape, qkvWeights.isConstant, qkvWeights.type]).toEqual([[192, 64], true, 'FLOAT32']);
  });

  it('refuses a file that is not a TFLite flatbuffer, with the message TFLite prints', () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);
    expect(() => readTfliteModel(zip)).toThrow(TfliteLoadError);
    const bytes = vitTflite(TINY_VIT);
    bytes.set(new TextEncoder().encode('XXXX'), 4);
    expect(() => readTfliteModel(bytes)).toThrow("Model provided has model identifier 'XXXX', should be 'TFL3'");
    expect(() => estimateTfliteLatency(vitTflite(TINY_VIT).slice(0, 64), options())).toThrow(ModelLoadError);
  });
});

describe('estimateTfliteLatency', () => {
  it('prices dense DeiT-Tiny (fp32, 4 threads, big cores) on the Galaxy S20 at 40-60 ms', () => {
    const estimate = estimateTfliteLatency(vitTflite(DEIT_TINY), options());
    expect(estimate.totalUs / 1000).toBeGreaterThan(40);
    expect(estimate.totalUs / 1000).toBeLessThan(60);
    expect(estimate.delegate).toBe('xnnpack');
    const gemmShare = estimate.ops.filter((op) => op.nodeType === 'FULLY_CONNECTED').reduce((sum, op) => sum + op.latencyUs, 0) / estimate.totalUs;
    expect(gemmShare).toBeGreaterThan(0.4);
  });

  it('is faster with more threads on transformer-sized work, and slower on the little cores', () => {
    const model = vitBlockTflite({ tokens: 197, dim: 192, heads: 3, mlpRatio: 4 });
    const one = estimateTfliteLatency(model, options({ threads: 1 })).totalUs;
    const four = estimateTfliteLatency(model, options({ threads: 4 })).totalUs;
    const little = estimateTfliteLatency(model, options({ allowedCpus: [0, 1, 2, 3] })).totalUs;
    expect(four).toBeLessThan(one);
    expect(little).toBeGreaterThan(four);
    // Tiny graphs lose to the thread pool's barriers, as on real phones.
    const tiny = vitTflite(TINY_VIT);
    expect(estimateTfliteLatency(tiny, options({ threads: 4 })).totalUs).toBeGreaterThan(estimateTfliteLatency(tiny, options({ threads: 1 })).totalUs);
  });

  it('makes latency a staircase in the token count (flat steps, then jumps at tile edges)', () => {
    const latencies: number[] = [];
    for (let tokens = 100; tokens <= 196; tokens += 4) {
      latencies.push(estimateTfliteLatency(vitBlockTflite({ tokens, dim: 192, heads: 3, mlpRatio: 4 }), options()).totalUs);
    }
    const steps = latencies.slice(1).map((value, index) => value / latencies[index]! - 1);
    expect(steps.every((step) => step >= -1e-9)).toBe(true);
    const flat = steps.filter((step) => step < 0.02).length;
    const jumps = steps.filter((step) => step > 0.04).length;
    expect(flat).toBeGreaterThanOrEqual(6);
    expect(jumps).toBeGreaterThanOrEqual(3);
  });

  it('shows the GPU delegate as one node for the whole model', () => {
    const estimate = estimateTfliteLatency(vitTflite(TINY_VIT), options({ useGpu: true }));
    expect(estimate.ops.map((op) => op.nodeType)).toEqual(['TfLiteGpuDelegateV2']);
    expect(estimate.delegate).toBe('gpu');
  });

  it("reads the studio's own TFLite export: dense DeiT-Tiny lands at 40-60 ms, block micro-models grow with N", () => {
    const model = createModel(specFromTimm('deit_tiny_patch16_224'), { seed: 1 });
    let exported;
    try {
      exported = exportTflite(model);
    } finally {
      model.dispose();
    }
    const estimate = estimateTfliteLatency(exported.bytes, options());
    expect(estimate.ops).toHaveLength(Object.values(exported.operators).reduce((sum, count) => sum + count, 0));
    expect(estimate.totalUs / 1000).toBeGreaterThan(40);
    expect(estimate.totalUs / 1000).toBeLessThan(60);
    const deit = createModel(specFromTimm('deit_tiny_patch16_224'), { seed: 0 });
    let source;
    try {
      source = microModelSource(deit);
    } finally {
      deit.dispose();
    }
    const block = (tokens: number): number => estimateTfliteLatency(buildMicroModel(source, 'block', tokens).bytes, options()).totalUs;
    expect(block(50)).toBeLessThan(block(98));
    expect(block(98)).toBeLessThan(block(197));
  });
});
