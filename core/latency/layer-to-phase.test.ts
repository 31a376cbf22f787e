import { describe, expect, it } from 'vitest';

import { isStudioError } from '../shared/errors';

import { mergePhases, runPhaseSearch } from './layer-to-phase';
import { flatModel, staircaseLut } from './synthetic-lut';
import { flatSelectors, layoutFromModel } from './layout';
import { createLatencyModel, keptFromRatios, predictLatency, unprunedLatencyMs } from './latency-model';

import type { PhaseTrial } from './layer-to-phase';

const model = flatModel({ depth: 12, grid: 196 });
const lut = staircaseLut({ model, stepTokens: 8, stepMs: 0.1 });
const denseMs = unprunedLatencyMs(lut, layoutFromModel(model, []));

/**
 * A stand-in for a short fine-tune with a known answer: pruning costs accuracy in proportion to the
 * tokens dropped, much more so in early blocks (as the CKA analysis of the paper says).
 */
function syntheticFineTune(trial: PhaseTrial): { accuracy: number } {
  let loss = 0;
  trial.selectorBlocks.forEach((block, i) => {
    const ratio = trial.keepRatios[i] ?? 1;
    const next = trial.selectorBlocks[i + 1] ?? 12;
    loss += (1 - ratio) ** 2 * (next - block) * 0.08 * ((12 - block) / 12) ** 2;
  });
  return { accuracy: 0.9 - loss };
}

describe('layer-to-phase search', () => {
  it('inserts from the last block backward, merges phases and meets the budget on the LUT', async () => {
    const trials: PhaseTrial[] = [];
    const budgetMs = 0.6 * denseMs;
    const result = await runPhaseSearch({
      lut,
      budgetMs,
      maxAccuracyDrop: 0.02,
      fineTune: async (trial) => {
        trials.push(trial);
        return syntheticFineTune(trial);
      },
    });
    expect(trials[0]?.purpose).toBe('baseline');
    expect(trials[1]?.selectorBlocks).toEqual([11]);
    expect(trials[trials.length - 1]?.purpose).toBe('final');
    // Insertion moved backward one block at a time.
    const insertedBlocks = result.inserted.map((s) => s.block);
    expect(insertedBlocks).toEqual([...insertedBlocks].sort((a, b) => a - b));
    expect(insertedBlocks[insertedBlocks.length - 1]).toBe(11);
    expect(result.phases.length).toBeGreaterThan(1);
    expect(result.phases.length).toBeLessThan(result.inserted.length);
    // Early blocks are harder to prune, so the search kept them higher.
    expect(result.inserted[0]?.keepRatio).toBeGreaterThan(result.inserted[result.inserted.length - 1]?.keepRatio ?? 1);
    // Meets the budget, with monotone ratios.
    const latency = createLatencyModel(lut, layoutFromModel(model, flatSelectors(result.selectorBlocks)));
    expect(predictLatency(latency, keptFromRatios(latency, result.keepRatios)).totalMs).toBeLessThanOrEqual(budgetMs + 1e-9);
    expect(result.predictedMs).toBeLessThanOrEqual(budgetMs + 1e-9);
    for (let i = 1; i < result.keepRatios.length; i += 1) expect(result.keepRatios[i]).toBeLessThanOrEqual(result.keepRatios[i - 1] ?? 1);
    // Every accepted insertion stayed within the allowed accuracy drop.
    for (const s of result.inserted) expect(s.accuracy).toBeGreaterThanOrEqual(result.baselineAccuracy - 0.02 - 1e-12);
  });

  it('relaxes the first selector when the merged phases leave time in the budget', async () => {
    const budgetMs = 0.7 * denseMs;
    const result = await runPhaseSearch({ lut, budgetMs, maxAccuracyDrop: 0.02, fineTune: async (t) => syntheticFineTune(t) });
    const firstPhase = result.phases[0];
    expect(firstPhase).toBeDefined();
    // The merged phases were faster than needed: the first selector keeps clearly more tokens.
    expect(result.keepRatios[0]).toBeGreaterThan((firstPhase?.keepRatio ?? 1) + 0.1);
    expect(result.keepRatios.slice(1)).toEqual(result.phases.slice(1).map((p) => Math.round(p.keepRatio * 196) / 196));
    expect(result.predictedMs).toBeLessThanOrEqual(budgetMs + 1e-9);
  });

  it('merges neighbours with similar ratios using block-weighted means', () => {
    const phases = mergePhases(
      [
        { block: 6, keepRatio: 0.7, accuracy: 0 },
        { block: 7, keepRatio: 0.65, accuracy: 0 },
        { block: 9, keepRatio: 0.3, accuracy: 0 },
        { block: 10, keepRatio: 0.3, accuracy: 0 },
      ],
      12,
      0.1,
    );
    expect(phases).toEqual([
      { blocks: [6, 7], keepRatio: (0.7 * 1 + 0.65 * 2) / 3 },
      { blocks: [9, 10], keepRatio: 0.3 },
    ]);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    const error = await runPhaseSearch({
      lut,
      budgetMs: 0.5 * denseMs,
      signal: controller.signal,
      fineTune: async (trial) => {
        calls += 1;
        if (calls === 3) controller.abort();
        return syntheticFineTune(trial);
      },
    }).catch((e: unknown) => e);
    expect(isStudioError(error, 'cancelled')).toBe(true);
    expect(calls).toBe(3);
  });
});
