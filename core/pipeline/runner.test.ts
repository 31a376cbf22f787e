import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { StudioError, throwIfAborted } from '../shared/errors';
import { iterateBatches } from '../data/batches';
import { resolveBudgetMs } from '../latency/budget';
import { solveBudget } from '../latency/budget-solver';
import { flatSelectors, layoutFromModel } from '../latency/layout';
import { createLatencyModel } from '../latency/latency-model';
import { readLut, writeLut } from '../latency/lut-io';
import { flatModel, staircaseLut } from '../latency/synthetic-lut';

import { createCoreExecutorRegistry } from './core-executors';
import { inputValue } from './executors';
import { openDatasetValue } from './executors/dataset';
import { readMetrics, readRunReport } from './run-folder';
import { runPipeline } from './runner';
import { validatePipeline } from './validate';

import type { NodeExecutor } from './executors';
import type { RunEvent } from './runner';

type Doc = { name: string; nodes: { id: string; kind: string; config: Record<string, unknown> }[]; edges: { from: { node: string; port: string }; to: { node: string; port: string } }[] };

/** The quick example without its export node: what these tests can run with test executors. */
async function quickDoc(): Promise<Doc> {
  const doc = JSON.parse(await readFile(new URL('../../examples/quick-sample.spvit.json', import.meta.url), 'utf8')) as Doc;
  doc.nodes = doc.nodes.filter((n) => n.kind !== 'export');
  doc.edges = doc.edges.filter((e) => e.to.node !== 'tflite');
  return doc;
}

/**
 * Test executors doing small real work: "training" is a nearest-class-mean classifier on the
 * dataset port, with keep ratios from the budget solver on the latency-table port; evaluation
 * measures its test accuracy.
 */
function trainExecutor(hooks: { beforeEpoch?: (epoch: number) => void } = {}): NodeExecutor<'train'> {
  return {
    kind: 'train',
    async execute(context) {
      const data = inputValue(context, 'dataset', 'dataset');
      const lutValue = inputValue(context, 'lut', 'latency-table');
      if (data === undefined || lutValue === undefined) throw new Error('inputs missing');
      const { train } = await openDatasetValue(data);
      const size = train.imageShape.height * train.imageShape.width * train.imageShape.channels;
      const sums = Array.from({ length: train.numClasses }, () => new Float64Array(size));
      const counts = new Array<number>(train.numClasses).fill(0);
      for (let epoch = 0; epoch < 2; epoch += 1) {
        hooks.beforeEpoch?.(epoch);
        throwIfAborted(context.signal);
        for (const batch of iterateBatches(train, { batchSize: 256, seed: 1, epoch })) {
          batch.labels.forEach((label, i) => {
            const sum = sums[label] as Float64Array;
            for (let p = 0; p < size; p += 1) sum[p] = (sum[p] ?? 0) + (batch.images[i * size + p] ?? 0);
            counts[label] = (counts[label] ?? 0) + 1;
          });
        }
        context.metrics.write({ name: 'train/images', value: counts.reduce((a, b) => a + b, 0), epoch });
        context.progress((epoch + 1) / 2, `epoch ${epoch + 1}`);
      }
      const centroids = sums.map((sum, c) => Array.from(sum, (v) => v / (counts[c] ?? 1)));
      const weightsPath = join(context.nodeDir, 'centroids.json');
      await writeFile(weightsPath, JSON.stringify(centroids));
      const lut = await readLut(lutValue.path);
      const spvit = context.node.config.spvit;
      const layout = layoutFromModel(lut.model, flatSelectors(spvit?.selector.blocks ?? []));
      const budgetMs = resolveBudgetMs(spvit?.budget ?? { fractionOfDense: 1 }, lut, layout);
      const solution = solveBudget(createLatencyModel(lut, layout), { budgetMs });
      return { model: { dir: context.nodeDir, weightsPath, keepRatios: solution.keepRatios, predictedMs: solution.predictedMs, budgetMs } };
    },
  };
}

const evaluateExecutor: NodeExecutor<'evaluate'> = {
  kind: 'evaluate',
  async execute(context) {
    const model = inputValue(context, 'model', 'model');
    const train = context.pipeline.edges.find((e) => e.to.node === 'train' && e.to.port === 'dataset');
    const report = await readRunReport(context.runDir);
    const data = report?.nodes[train?.from.node ?? '']?.outputs?.['dataset'];
    if (model === undefined || data === undefined) throw new Error('inputs missing');
    const centroids = JSON.parse(await readFile(model.weightsPath, 'utf8')) as number[][];
    const { test } = await openDatasetValue(data as never);
    const size = test.imageShape.height * test.imageShape.width;
    let correct = 0;
    for (const batch of iterateBatches(test, { batchSize: 250, seed: 0, epoch: 0, shuffle: false })) {
      batch.labels.forEach((label, i) => {
        let best = -1;
        let bestDistance = Infinity;
        centroids.forEach((centroid, c) => {
          let d = 0;
          for (let p = 0; p < size; p += 1) d += ((batch.images[i * size + p] ?? 0) - (centroid[p] ?? 0)) ** 2;
          if (d < bestDistance) [best, bestDistance] = [c, d];
        });
        if (best === label) correct += 1;
      });
    }
    const accuracy = correct / test.length;
    context.metrics.write({ name: 'eval/accuracy', value: accuracy });
    return { evaluation: { accuracy, split: context.node.config.split } };
  },
};

function registry(hooks?: Parameters<typeof trainExecutor>[0]) {
  const executors = createCoreExecutorRegistry();
  executors.register(trainExecutor(hooks));
  executors.register(evaluateExecutor);
  return executors;
}

describe('pipeline runner', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'spvit-runs-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs the nodes in order and writes the run folder', async () => {
    const doc = await quickDoc();
    const runDir = join(root, 'full');
    const events: RunEvent[] = [];
    const report = await runPipeline({ pipeline: validatePipeline(doc), document: doc, runDir, registry: registry(), onEvent: (e) => events.push(e) });
    expect(report.status).toBe('succeeded');
    expect(report.order).toEqual(['data', 'vit', 'lut', 'train', 'eval']);
    expect((await readdir(runDir)).sort()).toEqual(['lut.json', 'metrics.jsonl', 'nodes', 'pipeline.json', 'report.json']);
    expect(JSON.parse(await readFile(join(runDir, 'pipeline.json'), 'utf8'))).toEqual(doc);
    const saved = await readRunReport(runDir);
    expect(saved?.nodes['data']?.outputs?.['dataset']).toMatchObject({ counts: { train: 1800, val: 200, test: 500 } });
    expect(saved?.nodes['lut']?.outputs?.['lut']).toMatchObject({ source: 'analytic', path: join(runDir, 'lut.json') });
    const model = saved?.nodes['train']?.outputs?.['model'] as { keepRatios: number[]; predictedMs: number; budgetMs: number };
    expect(model.keepRatios).toHaveLength(3);
    expect(model.predictedMs).toBeLessThanOrEqual(model.budgetMs);
    const accuracy = (saved?.nodes['eval']?.outputs?.['evaluation'] as { accuracy: number }).accuracy;
    // Nearest class means reach about 65-70% on Fashion-MNIST; chance is 10%.
    expect(accuracy).toBeGreaterThan(0.55);
    const metrics = await readMetrics(runDir);
    expect(metrics.filter((m) => m.nodeId === 'train').map((m) => [m.name, m.epoch])).toEqual([['train/images', 0], ['train/images', 1]]);
    expect(metrics.find((m) => m.name === 'eval/accuracy')?.value).toBe(accuracy);
    expect(events.filter((e) => e.kind === 'node-finished').map((e) => e.kind === 'node-finished' && e.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(events.some((e) => e.kind === 'progress' && e.nodeId === 'train' && e.fraction === 1)).toBe(true);
  });

  it('cancels through the AbortSignal and resumes where it stopped', async () => {
    const doc = await quickDoc();
    const runDir = join(root, 'cancel');
    const controller = new AbortController();
    const cancelled = await runPipeline({
      pipeline: validatePipeline(doc),
      runDir,
      registry: registry({ beforeEpoch: (epoch) => epoch === 1 && controller.abort() }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(cancelled).toMatchObject({ code: 'cancelled', details: { nodeId: 'train' } });
    const stopped = await readRunReport(runDir);
    expect(stopped?.status).toBe('cancelled');
    expect(stopped?.nodes['train']?.status).toBe('cancelled');
    expect(stopped?.nodes['eval']?.status).toBe('pending');

    await expect(runPipeline({ pipeline: validatePipeline(doc), runDir, registry: registry() })).rejects.toMatchObject({ code: 'input/invalid' });

    const events: RunEvent[] = [];
    const resumed = await runPipeline({ pipeline: validatePipeline(doc), runDir, registry: registry(), resume: true, onEvent: (e) => events.push(e) });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.attempts).toBe(2);
    const finished = Object.fromEntries(events.flatMap((e) => (e.kind === 'node-finished' ? [[e.nodeId, e.status]] : [])));
    expect(finished).toEqual({ data: 'reused', vit: 'reused', lut: 'reused', train: 'done', eval: 'done' });
  });

  it('re-runs a changed node and everything after it, nothing before', async () => {
    const doc = await quickDoc();
    const runDir = join(root, 'change');
    await runPipeline({ pipeline: validatePipeline(doc), runDir, registry: registry() });
    const changed = structuredClone(doc);
    (changed.nodes.find((n) => n.id === 'lut') as Doc['nodes'][number]).config = { source: 'analytic', roofline: { gflops: 6, perOpOverheadMs: 0.004, tileTokens: 4 } };
    const events: RunEvent[] = [];
    await runPipeline({ pipeline: validatePipeline(changed), runDir, registry: registry(), resume: true, onEvent: (e) => events.push(e) });
    const finished = Object.fromEntries(events.flatMap((e) => (e.kind === 'node-finished' ? [[e.nodeId, e.status]] : [])));
    expect(finished).toEqual({ data: 'reused', vit: 'reused', lut: 'done', train: 'done', eval: 'done' });
  });

  it('records a failing node and keeps the error code', async () => {
    const doc = await quickDoc();
    const runDir = join(root, 'fail');
    const executors = createCoreExecutorRegistry();
    executors.register({
      kind: 'train',
      execute: () => Promise.reject(new StudioError('training/diverged', 'loss is NaN at step 3', { hint: 'Lower the learning rate.' })),
    });
    executors.register(evaluateExecutor);
    const error = await runPipeline({ pipeline: validatePipeline(doc), runDir, registry: executors }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'training/diverged', hint: 'Lower the learning rate.', details: { nodeId: 'train' } });
    expect((error as Error).message).toContain("Node 'train' (train) failed: loss is NaN at step 3");
    const report = await readRunReport(runDir);
    expect(report?.status).toBe('failed');
    expect(report?.nodes['train']?.error).toMatchObject({ code: 'training/diverged' });
  });

  it('refuses to start when a node kind has no executor', async () => {
    const doc = JSON.parse(await readFile(new URL('../../examples/quick-sample.spvit.json', import.meta.url), 'utf8')) as Doc;
    const runDir = join(root, 'missing');
    await expect(runPipeline({ pipeline: validatePipeline(doc), runDir, registry: registry() })).rejects.toMatchObject({ code: 'not-implemented', details: { kinds: ['export'] } });
    expect(await readRunReport(runDir)).toBeNull();
  });

  it('reads a LUT file that matches the backbone and rejects one that does not', async () => {
    const doc = await quickDoc();
    const matching = staircaseLut({ model: { ...flatModel({ depth: 4, grid: 49, embedDim: 48, heads: 3 }) }, stepTokens: 8, stepMs: 0.1 });
    await writeLut(join(root, 'matching.json'), matching);
    await writeLut(join(root, 'other.json'), staircaseLut({ model: flatModel({ depth: 12, grid: 196 }), stepTokens: 8, stepMs: 0.1 }));
    (doc.nodes.find((n) => n.id === 'lut') as Doc['nodes'][number]).config = { source: 'file', path: 'matching.json' };
    const report = await runPipeline({ pipeline: validatePipeline(doc), runDir: join(root, 'file-lut'), registry: registry(), baseDir: root });
    expect(report.nodes['lut']?.outputs?.['lut']).toMatchObject({ source: 'file', deviceId: 'synthetic' });
    (doc.nodes.find((n) => n.id === 'lut') as Doc['nodes'][number]).config = { source: 'file', path: 'other.json' };
    const error = await runPipeline({ pipeline: validatePipeline(doc), runDir: join(root, 'file-lut-bad'), registry: registry(), baseDir: root }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'input/invalid', message: expect.stringContaining('stages[0].depth 12 vs 4') });
  });
});
