import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createClient } from '../../../core/api/client';
import { contract } from '../../../core/api/contract';
import { createInMemoryTransport } from '../../../core/api/in-memory-transport';
import { initTensorBackend } from '../../../core/tensor/backend';
import { createBackend } from '../create-backend';

import type { TrainingProgress } from '../../../core/api/contracts/training';
import type { StudioBackend } from '../create-backend';

let dataDir = '';
let studio: StudioBackend;

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
  dataDir = mkdtempSync(join(tmpdir(), 'spvit-training-data-'));
  studio = createBackend({ host: 'test', dataDir, validateResults: true, tensorBackend: () => 'wasm' });
});

afterAll(async () => {
  await studio.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A tiny dense + SPViT run on 160 sample images: seconds, not minutes. */
const config = {
  name: 'tiny training',
  dataset: { source: { kind: 'sample' }, input: { height: 28, width: 28, channels: 1 }, valFraction: 0.2, seed: 0, trainLimit: 160, testLimit: 64 },
  backbone: { model: 'VisionTransformer', kwargs: { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2 } },
  latencyTable: { source: 'analytic', roofline: { gflops: 0.5, perOpOverheadMs: 0.0001, tileTokens: 1 } },
  train: {
    seed: 0,
    workers: 1,
    dense: { epochs: 1, batchSize: 32, lr: 0.002, warmupEpochs: 0 },
    spvit: { epochs: 1, batchSize: 32, lr: 0.002, backboneFreezeEpochs: 0, selector: { blocks: [1, 2] }, budget: { fractionOfDense: 0.8 }, minKeepRatio: 0.2, loss: { latencyHinge: 1 } },
  },
  evaluate: { split: 'test', visualise: 2 },
};

describe('training handlers', () => {
  it('runs a configuration as a job with progress events, then reports and shows token maps', async () => {
    const client = createClient(contract, createInMemoryTransport(studio.backend), { validate: true });
    const events: TrainingProgress[] = [];
    client.on('training.progress', (event) => events.push(event));
    const { runId } = await client.api.training.start({ config, workers: 0 });
    const job = await client.api.jobs.wait({ runId });
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');

    const stages = new Set(events.map((event) => event.stage));
    expect(stages).toEqual(new Set(['dense', 'spvit']));
    const spvit = events.filter((event) => event.stage === 'spvit');
    expect(spvit.every((event) => event.runId === runId && event.keepRatios.length === 2 && event.targets.length === 2)).toBe(true);
    expect(spvit.some((event) => event.predictedMs !== null && event.budgetMs !== null)).toBe(true);

    const report = await client.api.training.report({ runId });
    expect(report.status).toBe('succeeded');
    expect(report.accuracy.dense).toBeGreaterThanOrEqual(0);
    expect(report.accuracy.pruned).toBeGreaterThanOrEqual(0);
    expect(report.keepRatio.target).toHaveLength(2);
    expect(report.keepRatio.achieved).toHaveLength(2);
    expect(report.gflops.pruned).not.toBeNull();
    expect(report.latencyMs.measured).toBeNull();
    expect(report.lut.source).toBe('analytic');
    expect(existsSync(join(report.runDir, 'model.safetensors'))).toBe(true);
    expect(existsSync(join(report.runDir, 'metrics.jsonl'))).toBe(true);

    const maps = await client.api.training.tokenMaps({ runId, images: 3 });
    expect(maps.images).toBe(3);
    expect(maps.stages).toHaveLength(2);
    expect(maps.stages[0]?.grid).toEqual([4, 4]);
    expect(maps.stages[0]?.kept[0]).toHaveLength(16);
    expect(maps.pixels).toHaveLength(3 * 28 * 28);
  });

  it('names a run it does not know', async () => {
    const client = createClient(contract, createInMemoryTransport(studio.backend), { validate: true });
    await expect(client.api.training.report({ runId: 'training-missing' })).rejects.toMatchObject({ code: 'input/not-found' });
  });
});
