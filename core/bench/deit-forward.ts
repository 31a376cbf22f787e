/**
 * DeiT-Tiny dense forward throughput: batch 1 and batch 8 in this thread, and batch 8 split over
 * worker threads that each run their own backend. Effective GFLOP/s counts DeiT-T as 2.5 GFLOP per
 * image (2 x 1.25 GMACs), the figure the issue uses.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ForwardPool } from '../models/parallel/forward-pool';
import { createModel, specFromTimm } from '../models/registry';

import { timeRepeated } from './timing';

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

async function singleThread(context: BenchmarkContext): Promise<BenchmarkResult[]> {
  const model = createModel(specFromTimm(MODEL), { seed: 0 });
  const out: BenchmarkResult[] = [];
  try {
    for (const batch of [1, 8]) {
      const images = randomImages(batch);
      const input = tf.tensor4d(images.data, images.shape as [number, number, number, number]);
      context.log(`${MODEL} batch ${batch}, 1 thread on ${context.backend}...`);
      const timing = await timeRepeated(() => tf.tidy(() => model.forward(input).dataSync()), {
        warmups: 1,
        minRuns: 3,
        maxRuns: batch === 1 ? 20 : 6,
        budgetMs: 8000,
        signal: context.signal,
      });
      input.dispose();
      out.push(...results(`deit_tiny.forward.b${batch}`, batch, timing, { backend: context.backend, threads: 1 }));
    }
  } finally {
    model.dispose();
  }
  return out;
}

async function workerThreads(context: BenchmarkContext): Promise<BenchmarkResult[]> {
  const batch = 8;
  context.log(`${MODEL} batch ${batch}, ${context.workers} worker threads on ${context.backend}...`);
  const pool = await ForwardPool.start({ spec: specFromTimm(MODEL), workers: context.workers, seed: 0, backend: context.backend });
  try {
    const images = randomImages(batch);
    const timing = await timeRepeated(() => pool.forward(images), { warmups: 1, minRuns: 3, maxRuns: 6, budgetMs: 8000, signal: context.signal });
    return results(`deit_tiny.forward.b${batch}.workers${context.workers}`, batch, timing, { backend: pool.backend, threads: context.workers });
  } finally {
    await pool.close();
  }
}

export const deitForwardBenchmark: Benchmark = {
  id: 'deit-tiny-forward',
  summary: 'DeiT-Tiny dense forward: batch 1 and 8 in one thread, batch 8 over worker threads',
  async run(context) {
    return [...(await singleThread(context)), ...(await workerThreads(context))];
  },
};
