import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../../core/shared/errors';
import { encodeLatencyOnlyPackage } from '../../zcu102/protocol/latency-package';
import { zcu102AcceleratorConfig } from './accelerator-config';
import { modelCost } from './cycle-model';
import { SimAcceleratorRuntime } from './sim-runtime';

import type { BoardModelShape } from '../../zcu102/protocol/board-types';

const DEIT_SMALL: BoardModelShape = {
  arch: 'deit_small_patch16_224',
  imageSize: 224,
  patchSize: 16,
  inChannels: 3,
  embedDim: 384,
  depth: 12,
  heads: 6,
  mlpRatio: 4,
  numClasses: 1000,
  selectorBlocks: [],
  keptTokens: [],
};

const signal = new AbortController().signal;

async function loaded(seed: number): Promise<SimAcceleratorRuntime> {
  const runtime = new SimAcceleratorRuntime({ seed });
  await runtime.load({ bytes: encodeLatencyOnlyPackage(DEIT_SMALL), sha256: 'a'.repeat(64) });
  return runtime;
}

describe('SimAcceleratorRuntime', () => {
  it('times the active package around the cycle model, repeatably for a seed', async () => {
    const first = await (await loaded(42)).estimateLatency({ kind: 'package' }, { runs: 200, warmupRuns: 5, signal });
    const again = await (await loaded(42)).estimateLatency({ kind: 'package' }, { runs: 200, warmupRuns: 5, signal });
    const other = await (await loaded(43)).estimateLatency({ kind: 'package' }, { runs: 200, warmupRuns: 5, signal });
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const modelMs = modelCost(zcu102AcceleratorConfig(), DEIT_SMALL).totalMs;
    const meanMs = first.reduce((sum, sample) => sum + sample.totalMs, 0) / first.length;
    expect(Math.abs(meanMs - modelMs) / modelMs).toBeLessThan(0.01);
    expect(new Set(first.map((sample) => sample.totalMs)).size).toBe(first.length);
  });

  it('refuses to compute outputs for a latency-only package instead of inventing them', async () => {
    const runtime = await loaded(1);
    const error = await runtime.infer([{ name: 'image', dtype: 'int8', shape: [1], data: new Uint8Array(1) }], { signal }).catch((caught: unknown) => caught);
    expect(isStudioError(error, 'model/unsupported')).toBe(true);
    expect(String(error)).toMatch(/no weights/);
  });

  it('uses a plugged-in package reader and its reference runner', async () => {
    const magic = new TextEncoder().encode('TEST-FIXED-POINT');
    const runtime = new SimAcceleratorRuntime({
      seed: 1,
      readers: [
        {
          format: 'test-fixed-point',
          canRead: (bytes) => magic.every((byte, index) => bytes[index] === byte),
          read: () => ({
            model: DEIT_SMALL,
            runner: {
              // Negates int8 inputs: a real (if tiny) integer semantics, checked below.
              run: (inputs) => Promise.resolve(inputs.map((tensor) => ({ ...tensor, name: `${tensor.name}-out`, data: Uint8Array.from(new Int8Array(tensor.data.buffer).map((value) => -value)) }))),
            },
          }),
        },
      ],
    });
    const info = await runtime.load({ bytes: magic, sha256: 'b'.repeat(64) });
    expect(info.format).toBe('test-fixed-point');
    const [output] = await runtime.infer([{ name: 'x', dtype: 'int8', shape: [2], data: Uint8Array.from([3, 253]) }], { signal });
    expect(Array.from(new Int8Array(output?.data.buffer ?? new ArrayBuffer(0)))).toEqual([-3, 3]);
  });

  it('refuses unknown package formats and keeps the previous package', async () => {
    const runtime = await loaded(1);
    const error = await runtime.load({ bytes: new Uint8Array([1, 2, 3]), sha256: 'c'.repeat(64) }).catch((caught: unknown) => caught);
    expect(isStudioError(error, 'model/unsupported')).toBe(true);
    const samples = await runtime.estimateLatency({ kind: 'package' }, { runs: 1, warmupRuns: 0, signal });
    expect(samples[0]?.totalMs).toBeGreaterThan(18);
  });

  it('stops a timing run when cancelled', async () => {
    const runtime = await loaded(1);
    const controller = new AbortController();
    controller.abort();
    const error = await runtime.estimateLatency({ kind: 'package' }, { runs: 5, warmupRuns: 0, signal: controller.signal }).catch((caught: unknown) => caught);
    expect(isStudioError(error, 'cancelled')).toBe(true);
  });
});
