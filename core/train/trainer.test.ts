import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../shared/errors';
import { initTensorBackend } from '../tensor/backend';

import { tinyData, tinySetup, tinyStageOptions } from './test-setup';
import { trainStage } from './trainer';

import type { Dataset } from '../data/dataset';
import type { TrainProgress } from './train-types';

let dir = '';
let data: { train: Dataset; val: Dataset };

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'spvit-trainer-'));
  data = await tinyData();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function collect(into: Map<number, number>): (progress: TrainProgress) => void {
  return (progress) => {
    if (progress.loss.total !== 0 || progress.validation === undefined) into.set(progress.step, progress.loss.total);
  };
}

describe('trainStage', () => {
  it('lowers the dense loss on the sample', async () => {
    const setup = await tinySetup('dense', 0, 'wasm');
    try {
      const losses = new Map<number, number>();
      const result = await trainStage(tinyStageOptions(setup, data, { epochs: 4, schedule: { kind: 'dense', lr: 3e-3, minLr: 1e-4, warmupEpochs: 0, epochs: 4 }, checkpointFile: join(dir, 'dense.safetensors'), onProgress: collect(losses) }));
      const values = [...losses.values()];
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(result.steps).toBe(values.length);
      expect(mean(values.slice(-5))).toBeLessThan(mean(values.slice(0, 5)) - 0.05);
    } finally {
      await setup.dispose();
    }
  });

  it('resumes a cancelled SPViT run exactly: same loss curve and weights as an uninterrupted run', async () => {
    const setup = await tinySetup('spvit', 0, 'wasm');
    try {
      const straight = new Map<number, number>();
      const full = await trainStage(tinyStageOptions(setup, data, { checkpointFile: join(dir, 'straight.safetensors'), onProgress: collect(straight) }));

      const interrupted = new Map<number, number>();
      const controller = new AbortController();
      const file = join(dir, 'interrupted.safetensors');
      const stopAt = 5;
      const first = trainStage(tinyStageOptions(setup, data, {
        checkpointFile: file,
        signal: controller.signal,
        onProgress: (progress) => {
          collect(interrupted)(progress);
          if (progress.step === stopAt) controller.abort();
        },
      }));
      await expect(first).rejects.toSatisfy((error: unknown) => isStudioError(error, 'cancelled'));
      expect(existsSync(file)).toBe(true);
      const resumed = await trainStage(tinyStageOptions(setup, data, { checkpointFile: file, onProgress: collect(interrupted) }));
      expect(resumed.resumedFrom).toBe(stopAt);
      expect(resumed.steps).toBe(full.steps);
      expect([...interrupted.keys()].sort((a, b) => a - b)).toEqual([...straight.keys()].sort((a, b) => a - b));
      for (const [step, loss] of straight) expect(interrupted.get(step)).toBe(loss);
      expect(Buffer.from(resumed.parameters.buffer).equals(Buffer.from(full.parameters.buffer))).toBe(true);
    } finally {
      await setup.dispose();
    }
  });

  it('stops with training/diverged naming the step and the last good checkpoint', async () => {
    const setup = await tinySetup('dense', 0, 'wasm');
    try {
      const file = join(dir, 'diverge.safetensors');
      const run = trainStage(tinyStageOptions(setup, data, { schedule: { kind: 'dense', lr: 1e30, minLr: 1e30, warmupEpochs: 0, epochs: 2 }, checkpointFile: file, checkpointEverySteps: 1 }));
      const error: unknown = await run.then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(isStudioError(error, 'training/diverged')).toBe(true);
      const details = (error as { details: { step: number; lastCheckpoint: string | null; lastCheckpointStep: number | null } }).details;
      expect(details.step).toBeGreaterThan(0);
      expect(details.lastCheckpoint).toBe(file);
      expect(details.lastCheckpointStep).toBe(details.step - 1);
    } finally {
      await setup.dispose();
    }
  });
});
