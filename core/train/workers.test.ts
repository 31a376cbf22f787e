import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../tensor/backend';

import { tinyData, tinySetup, tinyStageOptions } from './test-setup';
import { trainStage } from './trainer';

import type { Dataset } from '../data/dataset';

let dir = '';
let data: { train: Dataset; val: Dataset };

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'spvit-workers-'));
  data = await tinyData(128);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(workers: number, name: string): Promise<{ losses: number[]; keep: number[][]; parameters: Float32Array }> {
  const setup = await tinySetup('spvit', workers, 'wasm');
  try {
    const losses: number[] = [];
    const keep: number[][] = [];
    const result = await trainStage(
      tinyStageOptions(setup, data, {
        epochs: 1,
        schedule: { kind: 'spvit', lr: 2e-3, minLr: 1e-5, epochs: 1, backboneFreezeEpochs: 0, backboneLrCap: 0.1 },
        checkpointFile: join(dir, `${name}.safetensors`),
        onProgress: (progress) => {
          losses.push(progress.loss.total);
          keep.push(progress.keepRatios);
        },
      }),
    );
    return { losses, keep, parameters: result.parameters };
  } finally {
    await setup.dispose();
  }
}

describe('data-parallel SPViT training', () => {
  it('gives the same losses, keep decisions and weights with 1 and 2 worker threads (up to float rounding)', async () => {
    const one = await run(1, 'one');
    const two = await run(2, 'two');
    expect(one.losses.length).toBeGreaterThan(2);
    expect(two.losses.length).toBe(one.losses.length);
    one.losses.forEach((loss, i) => expect(Math.abs((two.losses[i] as number) - loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(loss))));
    // Keep masks are exact 0/1 decisions from the same per-image noise: identical counts.
    expect(two.keep).toEqual(one.keep);
    let worst = 0;
    one.parameters.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - (two.parameters[i] as number)))));
    expect(worst).toBeLessThan(1e-4);
  });

  it('computes in one thread exactly what one worker thread computes', async () => {
    const local = await run(0, 'local');
    const worker = await run(1, 'worker');
    expect(worker.losses).toEqual(local.losses);
    expect(Buffer.from(worker.parameters.buffer).equals(Buffer.from(local.parameters.buffer))).toBe(true);
  });
});
