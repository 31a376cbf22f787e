import { describe, expect, it } from 'vitest';

import { decideKeep, topkRankKey } from './decisions';

import type { SlotScores } from './decisions';

function scores(keepProbability: number[]): SlotScores {
  const slots = keepProbability.length;
  return {
    batch: 1,
    slots,
    margin: new Float32Array(slots),
    keepProbability: Float32Array.from(keepProbability),
    alive: new Uint8Array(slots).fill(1),
    originalIndex: Int32Array.from({ length: slots }, (_, i) => i),
  };
}

describe('topk decisions', () => {
  it('treats keep probabilities within float noise as a tie and keeps the lower index', () => {
    // What two runtimes may compute for the same untrained selector: equal to ~1e-7.
    const keep = decideKeep(scores([0.3, 0.3000001, 0.3000002, 0.2]), { mode: 'topk', noise: null, keepCount: 1, spatialTokens: 4 });
    expect(Array.from(keep)).toEqual([1, 0, 0, 0]);
    expect(topkRankKey(0.3000001)).toBe(topkRankKey(0.3000002));
  });

  it('still ranks probabilities that differ by more than 2^-16', () => {
    const keep = decideKeep(scores([0.3, 0.31, 0.29, 0.5]), { mode: 'topk', noise: null, keepCount: 2, spatialTokens: 4 });
    expect(Array.from(keep)).toEqual([0, 1, 0, 1]);
  });
});
