/**
 * One optimiser step of the reference training configuration (batch 32 of 32x32x3 images, patch 4,
 * dim 96, depth 4, 3 heads): the full trainer path (loss and gradients on the replicas, gradient
 * sum, host AdamW, parameter broadcast), dense and SPViT (selectors before blocks 1, 2, 3, teacher
 * pass, all four losses), in this thread and over worker threads, timed in alternation so both see
 * the same machine load. Reference points (docs/environment.md): PyTorch 1.13, 1 thread ~95 ms;
 * tfjs wasm single thread before this work ~1,090 ms. Target: <= 300 ms per step on 2 cores.
 */
import { specFromTimm } from '../models/registry';
import { AdamWConfigSchema, adamWStep, createAdamWState } from '../train/adamw';
import { createReplicaGroup } from '../train/replica-group';
import { LossWeightsSchema } from '../train/replica-spec';
import { splitBatch } from '../train/sharding';

import { timeInterleaved } from './timing';

import type { Batch } from '../data/dataset';
import type { ReplicaGroup } from '../train/replica-group';
import type { ReplicaSpec } from '../train/replica-spec';
import type { Benchmark, BenchmarkContext, BenchmarkResult } from './benchmark';
import type { Timing } from './timing';

const BATCH = 32;
const KWARGS = { img_size: 32, patch_size: 4, in_chans: 3, num_classes: 10, embed_dim: 96, depth: 4, num_heads: 3, mlp_ratio: 4 };
const SELECTOR_BLOCKS = [1, 2, 3];
const TARGETS = [0.7, 0.49, 0.34];

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function replicaSpec(kind: 'dense' | 'spvit'): ReplicaSpec {
  const spec = specFromTimm('VisionTransformer', KWARGS);
  if (kind === 'dense') return { kind, spec, seed: 0, labelSmoothing: 0.1 };
  return {
    kind, spec, seed: 0, labelSmoothing: 0.1, loss: LossWeightsSchema.parse({}), targets: TARGETS, gumbelTau: 1, hinge: null,
    settings: { selector: { blocks: SELECTOR_BLOCKS }, keepRatios: TARGETS },
  };
}

function syntheticBatch(): Batch {
  const size = 3 * 32 * 32;
  const images = new Float32Array(BATCH * size);
  for (let i = 0; i < images.length; i += 1) images[i] = Math.sin(i * 0.37) * 1.5;
  return { images, labels: Int32Array.from({ length: BATCH }, (_, i) => i % 10), shape: [BATCH, 3, 32, 32] };
}

/** A full trainer step: shards -> gradients -> AdamW on the host -> new parameters to every replica. */
async function stepper(group: ReplicaGroup): Promise<() => Promise<void>> {
  const params = await group.initialParameters();
  const state = createAdamWState(group.layout);
  const config = AdamWConfigSchema.parse({});
  const batch = syntheticBatch();
  let step = 0;
  return async () => {
    const { gradients } = await group.step(splitBatch(batch, group.shards, { step, noiseSeed: 1 }));
    adamWStep(params, gradients, state, { layout: group.layout, config, rates: { backbone: 1e-4, selector: 1e-4 } });
    group.setParameters(params);
    step += 1;
  };
}

function results(kind: string, timings: { single: Timing; pool: Timing }, workers: number): BenchmarkResult[] {
  const shared = { batch: BATCH, ...KWARGS, selectors: kind === 'spvit' ? SELECTOR_BLOCKS : [], loadAverage: timings.pool.loadAverage, cpus: timings.pool.cpus, measuredInAlternation: true };
  return [
    { name: `train_step.${kind}.threads1.ms`, value: round(timings.single.medianMs), unit: 'ms', config: { ...shared, runs: timings.single.runs, cpuMsPerStep: round(timings.single.cpuMs) } },
    { name: `train_step.${kind}.workers${workers}.ms`, value: round(timings.pool.medianMs), unit: 'ms', config: { ...shared, runs: timings.pool.runs, workers, cpuMsPerStepAllThreads: round(timings.pool.cpuMs), targetMs: 300, pytorchOneThreadMs: 95, wasmBaselineMs: 1090 } },
    { name: `train_step.${kind}.workers${workers}.speedup`, value: Math.round((timings.single.medianMs / timings.pool.medianMs) * 100) / 100, unit: 'x', config: shared },
  ];
}

async function measure(kind: 'dense' | 'spvit', context: BenchmarkContext): Promise<BenchmarkResult[]> {
  context.log(`training step (${kind}), batch ${BATCH}: 1 thread vs ${context.workers} worker threads, alternating...`);
  const local = await createReplicaGroup({ spec: replicaSpec(kind), workers: 0, backend: context.backend });
  const pool = await createReplicaGroup({ spec: replicaSpec(kind), workers: context.workers, backend: context.backend });
  try {
    const timings = await timeInterleaved({ single: await stepper(local), pool: await stepper(pool) }, { warmups: 2, minRuns: 4, maxRuns: 10, budgetMs: 30_000, signal: context.signal });
    return results(kind, timings, context.workers);
  } finally {
    await pool.close();
    await local.close();
  }
}

export const trainStepBenchmark: Benchmark = {
  id: 'train-step',
  summary: 'one training step (batch 32, 32x32x3, patch 4, dim 96, depth 4), dense and SPViT, 1 thread vs worker threads',
  async run(context) {
    return [...(await measure('dense', context)), ...(await measure('spvit', context))];
  },
};
