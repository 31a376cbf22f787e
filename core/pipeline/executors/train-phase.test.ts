import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { createCoreExecutorRegistry } from '../core-executors';
import { runPipeline } from '../runner';
import { validatePipeline } from '../validate';

import { registerTrainingExecutors } from './train-executors';

let dir = '';

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'spvit-phase-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const document = {
  version: 1,
  name: 'phase search',
  nodes: [
    { id: 'data', kind: 'dataset', config: { source: { kind: 'sample' }, input: { height: 28, width: 28, channels: 1 }, valFraction: 0.25, seed: 0, trainLimit: 128 } },
    { id: 'vit', kind: 'backbone', config: { model: 'VisionTransformer', kwargs: { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2 } } },
    { id: 'lut', kind: 'latency-table', config: { source: 'analytic', roofline: { gflops: 0.5, perOpOverheadMs: 0.0001, tileTokens: 1 } } },
    {
      id: 'train',
      kind: 'train',
      config: {
        seed: 0,
        workers: 1,
        dense: { epochs: 1, batchSize: 32, lr: 0.002, warmupEpochs: 0 },
        spvit: { epochs: 1, batchSize: 32, lr: 0.002, backboneFreezeEpochs: 0, budget: { fractionOfDense: 0.85 }, minKeepRatio: 0.1, phaseSearch: { epochsPerTrial: 1, maxAccuracyDrop: 0.5 } },
      },
    },
  ],
  edges: [
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'lut', port: 'backbone' } },
    { from: { node: 'data', port: 'dataset' }, to: { node: 'train', port: 'dataset' } },
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'train', port: 'backbone' } },
    { from: { node: 'lut', port: 'lut' }, to: { node: 'train', port: 'lut' } },
  ],
};

describe('train node with the layer-to-phase search', () => {
  it('places selectors from the last block backward with real short fine-tunes, then trains to the result', async () => {
    const runDir = join(dir, 'run');
    const registry = registerTrainingExecutors(createCoreExecutorRegistry(), { workers: 0, backend: 'wasm' });
    const report = await runPipeline({ pipeline: validatePipeline(document), runDir, registry });
    const model = report.nodes['train']?.outputs?.['model'] as { spvit: { selector: { blocks: number[] } }; targets: number[]; budgetMs: number; predictedMs: number };
    expect(model.spvit.selector.blocks.length).toBeGreaterThan(0);
    expect(model.targets).toHaveLength(model.spvit.selector.blocks.length);
    expect(model.predictedMs).toBeLessThanOrEqual(model.budgetMs + 1e-9);
    const trials = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((line) => line.includes('spvit/phase-search/accuracy'));
    expect(trials.some((line) => line.includes('"purpose":"insert"'))).toBe(true);
    expect(trials.some((line) => line.includes('"purpose":"final"'))).toBe(true);
  });
});
