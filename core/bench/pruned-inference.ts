/**
 * Batch-1 inference of DeiT-Tiny, dense vs SPViT with selectors before blocks 3, 6, 9 keeping
 * 0.7 / 0.49 / 0.34 of the tokens (topk mode, tokens physically removed), timed in alternation in
 * this thread. The latency gain (dense ms / pruned ms) is reported next to the FLOP gain (dense
 * GFLOPs / pruned GFLOPs, selectors and package tokens included); target: the latency gain is at
 * least 80% of the FLOP gain.
 */
import * as tf from '@tensorflow/tfjs-core';

import { lutModelShapeFromSpec } from '../latency/model-shape';
import { flatSelectors } from '../latency/layout';
import { createModel, specFromTimm } from '../models/registry';
import { denseGflops, prunedGflops } from '../pipeline/executors/evaluate-cost';
import { topkCount } from '../spvit/decisions';
import { createSpvitModel } from '../spvit/load';

import { timeInterleaved } from './timing';

import type { Benchmark } from './benchmark';

const MODEL = 'deit_tiny_patch16_224';
const BLOCKS = [3, 6, 9];
const KEEP = [0.7, 0.49, 0.34];

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export const prunedInferenceBenchmark: Benchmark = {
  id: 'pruned-inference',
  summary: 'DeiT-Tiny batch 1: dense vs SPViT topk 0.7/0.49/0.34 with tokens removed, latency gain vs FLOP gain',
  async run(context) {
    const spec = specFromTimm(MODEL);
    const dense = createModel(spec, { seed: 0 });
    const pruned = createSpvitModel({ timm_class: MODEL, spvit: { selector: { blocks: BLOCKS }, keepRatios: KEEP, inference: { mode: 'topk' } } }, { seed: 0 });
    const input = tf.tidy(() => tf.randomNormal([1, 3, 224, 224], 0, 1, 'float32', 3)) as tf.Tensor4D;
    try {
      context.log(`${MODEL} batch 1: dense vs SPViT topk ${KEEP.join('/')} (tokens removed), alternating...`);
      const timings = await timeInterleaved(
        {
          dense: () => tf.tidy(() => dense.forward(input).dataSync()),
          pruned: () => {
            const out = pruned.infer(input, { mode: 'topk', removeTokens: true });
            out.logits.dataSync();
            out.logits.dispose();
          },
        },
        { warmups: 2, minRuns: 8, maxRuns: 30, budgetMs: 20_000, signal: context.signal },
      );
      const kept = KEEP.map((ratio) => topkCount(ratio, 196));
      const gflopsDense = denseGflops(spec);
      const gflopsPruned = prunedGflops({ spec, shape: lutModelShapeFromSpec(spec), positions: flatSelectors(BLOCKS), keptTokens: kept });
      const latencyGain = timings.dense.medianMs / timings.pruned.medianMs;
      const flopGain = gflopsDense / gflopsPruned;
      const shared = { model: MODEL, batch: 1, selectors: BLOCKS, keepRatios: KEEP, keptTokens: kept, mode: 'topk', backend: context.backend, loadAverage: timings.dense.loadAverage, cpus: timings.dense.cpus, measuredInAlternation: true };
      return [
        { name: 'deit_tiny.b1.dense.ms', value: round(timings.dense.medianMs, 1), unit: 'ms', config: { ...shared, runs: timings.dense.runs, gflops: round(gflopsDense, 3) } },
        { name: 'deit_tiny.b1.spvit_topk.ms', value: round(timings.pruned.medianMs, 1), unit: 'ms', config: { ...shared, runs: timings.pruned.runs, gflops: round(gflopsPruned, 3) } },
        { name: 'deit_tiny.b1.spvit_topk.latency_gain', value: round(latencyGain), unit: 'x', config: shared },
        { name: 'deit_tiny.b1.spvit_topk.flop_gain', value: round(flopGain), unit: 'x', config: shared },
        // (gain in latency) / (gain in FLOPs); 1 means the saved FLOPs turn fully into saved time.
        { name: 'deit_tiny.b1.spvit_topk.gain_ratio', value: round(latencyGain / flopGain), unit: 'ratio', config: { ...shared, target: 0.8 } },
      ];
    } finally {
      input.dispose();
      pruned.dispose();
      dense.dispose();
    }
  },
};
