import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../../../core/shared/errors';
import { readLut } from '../../../core/latency/lut-io';
import { flatModel } from '../../../core/latency/synthetic-lut';

import { LutStore } from './lut-store';

import type { ProfileSettings } from './lut-store';

const SETTINGS: ProfileSettings = { deviceId: 'R58N', threads: 4, runs: 10, warmupRuns: 3, repeats: 2, cpus: 'big', useGpu: false };
const DEVICE = { id: 'R58N', kind: 'android', model: 'SM-G980F', soc: 'S5E9830', runtime: 'tflite benchmark_model', runtimeVersion: null, threads: 4, delegate: 'xnnpack', precision: 'fp32', batch: 1 };
const MODEL = flatModel({ depth: 2, grid: 16, embedDim: 32, heads: 2 });

describe('LutStore', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spvit-lut-store-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function addPoint(store: LutStore, tokens: number): Promise<void> {
    await store.add({ blockType: 'block', stage: 0, point: { tokens, meanMs: tokens / 10, stdMs: 0.01, count: 2, samplesMs: [tokens / 10 - 0.01, tokens / 10 + 0.01] }, raw: `raw ${tokens}`, record: { tokens } });
  }

  it('writes a valid partial table after every point, and resumes it with the same settings', async () => {
    const path = join(dir, 'resume.json');
    const first = await LutStore.open(path, MODEL, SETTINGS);
    first.setDevice(DEVICE);
    await addPoint(first, 9);
    await addPoint(first, 3);
    const partial = await readLut(path);
    expect(partial.tables[0]?.points.map((p) => p.tokens)).toEqual([3, 9]);
    expect(partial.device.extra).toMatchObject({ profile: { status: 'partial' } });
    expect(partial.raw?.['block@0:9']).toBe('raw 9');
    const second = await LutStore.open(path, MODEL, SETTINGS);
    expect(second.get('block', 0, 3)?.meanMs).toBeCloseTo(0.3);
    expect(second.get('block', 0, 4)).toBeUndefined();
    await addPoint(second, 4);
    const lut = await second.complete();
    expect(lut.device.extra).toMatchObject({ profile: { status: 'complete', sessions: [{ measured: 2 }, { measured: 1 }] } });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ tables: [{ points: [{ tokens: 3 }, { tokens: 4 }, { tokens: 9 }] }] });
  });

  it('refuses to mix measurements made with other settings or for another model', async () => {
    const path = join(dir, 'mixed.json');
    const store = await LutStore.open(path, MODEL, SETTINGS);
    store.setDevice(DEVICE);
    await addPoint(store, 5);
    for (const [model, settings] of [
      [MODEL, { ...SETTINGS, threads: 2 }],
      [flatModel({ depth: 2, grid: 16, embedDim: 64, heads: 2 }), SETTINGS],
    ] as const) {
      let caught: unknown;
      await LutStore.open(path, model, settings).catch((error: unknown) => (caught = error));
      expect(isStudioError(caught, 'input/invalid'), String(caught)).toBe(true);
    }
  });
});
