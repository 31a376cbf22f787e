/**
 * DeiT-Tiny dense forward throughput: batch 1 and batch 8 in this thread, and batch 8 split over
 * worker threads that each run their own backend (timed in alternation with the single thread). Effective GFLOP/s counts DeiT-T as 2.5 GFLOP per
 * image (2 x 1.25 GMACs), the figure the issue uses.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ForwardPool } from '../models/parallel/forward-pool';
import { createModel, specFromTimm } from '../models/registry';

import { timeInterleaved, timeRepeated } from './timing';

import type { HostTensor } from '../tensor/host-tensor';
import type { Benchmark, BenchmarkContext, BenchmarkResult } from './benchmark';
import type { Timing } from './timing';

const MODEL = 'deit_tiny_patch16_224';
const GFLOP_PER_IMAGE = 2.5;

function results(prefix: string, batch: number, timing: Timing, config: BenchmarkResult['config']): BenchmarkResult[] {
  const imagesPerSecond = (batch * 1000) / timing.medianMs;
  const shared = { model: MODEL, batch, runs: timing.runs, msPerBatch: round(timing.medianMs), cpuMsPerBatch: round(timing.cpuMs), loadAverage: timing.loadAverage, cpus: timing.cpus, gflopPerImage: GFLOP_PER_IMAGE, ...config };
  return [
    { name: `${prefix}.images_per_s`, value: round(imagesPerSecond), unit: 'images/s', config: shared },
    { name: `${prefix}.gflops`, value: round(imagesPerSecond * GFLOP_PER_IMAGE), unit: 'GFLOP/s', config: shared },
    // Work per CPU-second of this process (all its threads): a contention-independent efficiency figure.
    { name: `${prefix}.gflop_per_cpu_s`, value: round((batch * GFLOP_PER_IMAGE * 1000) / timing.cpuMs), unit: 'GFLOP/CPU-s', config: shared },
  ];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function randomImages(batch: number): HostTensor {
  const shape = [batch, 3, 224, 224];
  return { shape, data: tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', 1).dataSync() as Float32Array) };
}

/** Batch 1 in this thread. */
async function batchOne(context: BenchmarkContext): Promise<BenchmarkResult[]> {
  const model = createModel(specFromTimm(MODEL), { seed: 0 });
  const images = randomImages(1);
  const input = tf.tensor4d(images.data, images.shape as [number, number, number, number]);
  try {
    context.log(`${MODEL} batch 1, 1 thread on ${context.backend}...`);
    const timing = await timeRepeated(() => tf.tidy(() => model.forward(input).dataSync()), { warmups: 1, minRuns: 5, maxRuns: 20, budgetMs: 6000, signal: context.signal });
    return results('deit_tiny.forward.b1', 1, timing, { backend: context.backend, threads: 1 });
  } finally {
    input.dispose();
    model.dispose();
  }
}

/** Batch 8 in this thread and split over worker threads, measured in alternation. */
async function batchEight(context: BenchmarkContext): Promise<BenchmarkResult[]> {
  const batch = 8;
  const model = createModel(specFromTimm(MODEL), { seed: 0 });
  const images = randomImages(batch);
  const input = tf.tensor4d(images.data, images.shape as [number, number, number, number]);
  context.log(`${MODEL} batch ${batch}: 1 thread vs ${context.workers} worker threads on ${context.backend}, alternating...`);
  const pool = await ForwardPool.start({ spec: specFromTimm(MODEL), workers: context.workers, seed: 0, backend: context.backend });
  try {
    const timings = await timeInterleaved(
      { single: () => tf.tidy(() => model.forward(input).dataSync()), pool: () => pool.forward(images) },
      { warmups: 1, minRuns: 3, maxRuns: 6, budgetMs: 15000, signal: context.signal },
    );
    return [
      ...results(`deit_tiny.forward.b${batch}`, batch, timings.single, { backend: context.backend, threads: 1 }),
      ...results(`deit_tiny.forward.b${batch}.workers${context.workers}`, batch, timings.pool, { backend: pool.backend, threads: context.workers }),
      {
        name: `deit_tiny.forward.b${batch}.workers${context.workers}.speedup`,
        value: round(timings.single.medianMs / timings.pool.medianMs),
        unit: 'x',
        config: { model: MODEL, batch, workers: context.workers, measuredInAlternation: true, loadAverage: timings.pool.loadAverage, cpus: timings.pool.cpus },
      },
    ];
  } finally {
    await pool.close();
    input.dispose();
    model.dispose();
  }
}

export const deitForwardBenchmark: Benchmark = {
  id: 'deit-tiny-forward',
  summary: 'DeiT-Tiny dense forward: batch 1 and 8 in one thread, batch 8 over worker threads',
  async run(context) {
    return [...(await batchOne(context)), ...(await batchEight(context))];
  },
};
