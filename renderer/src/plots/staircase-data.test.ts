import { describe, expect, it } from 'vitest';

import { formatMs, staircaseScales } from './chart-scales';
import { blockTypesOf, budgetBars, extentOf, keepMarkers, lutLabel, lutToCsv, seriesOf } from './staircase-data';

import type { BudgetSolution, LutJson } from '../../../core/api/contracts/luts';

const lut: LutJson = {
  format: 'spvit-lut',
  source: 'device',
  createdAt: '2026-01-01T00:00:00Z',
  device: { id: '127.0.0.1:5600', kind: 'android', model: 'SM-G980F', soc: 'S5E9830', runtime: 'tflite', runtimeVersion: null, threads: 4, delegate: 'xnnpack', precision: 'fp32' },
  model: { arch: 'vit', name: 'deit_tiny_patch16_224', embedDim: 192, heads: 3, depth: 12, stages: [{ depth: 12, spatialTokens: 196, extraTokens: 1 }] },
  tables: [
    { blockType: 'head', stage: 0, points: [{ tokens: 1, meanMs: 0.2, stdMs: 0.01, count: 1 }] },
    {
      blockType: 'block',
      stage: 0,
      points: [
        { tokens: 1, meanMs: 0.5, stdMs: 0.02, count: 3, samplesMs: [0.48, 0.5, 0.52] },
        { tokens: 64, meanMs: 1.5, stdMs: 0.1, count: 3, samplesMs: [1.4, 1.5, 1.6] },
        { tokens: 197, meanMs: 3.6, stdMs: 0.2, count: 2, samplesMs: [3.5, 3.7] },
      ],
    },
  ],
};

const solution: BudgetSolution = {
  budgetMs: 30,
  predictedMs: 28,
  denseMs: 45,
  minimumMs: 10,
  feasible: true,
  selectors: [{ stage: 0, block: 3, keptTokens: 121, gridTokens: 196, keepRatio: 0.617, blockTokens: 123, onStepEdge: true }],
  ops: [
    { blockType: 'patch-embed', stage: 0, block: -1, tokens: 197, latencyMs: 1 },
    { blockType: 'block', stage: 0, block: 0, tokens: 197, latencyMs: 20 },
    { blockType: 'selector', stage: 0, block: 3, tokens: 197, latencyMs: 0.5 },
    { blockType: 'block-after-selector', stage: 0, block: 3, tokens: 123, latencyMs: 6.3 },
    { blockType: 'head', stage: 0, block: -1, tokens: 1, latencyMs: 0.2 },
  ],
  denseOps: [
    { blockType: 'patch-embed', stage: 0, block: -1, tokens: 197, latencyMs: 1 },
    { blockType: 'block', stage: 0, block: 0, tokens: 197, latencyMs: 43.8 },
    { blockType: 'head', stage: 0, block: -1, tokens: 1, latencyMs: 0.2 },
  ],
};

describe('staircase data', () => {
  it('orders block types with the blocks first, and names a table by device and runtime', () => {
    expect(blockTypesOf(lut)).toEqual(['block', 'head']);
    expect(lutLabel(lut)).toBe('SM-G980F · tflite 4 threads');
  });

  it('gives each point its spread from the samples, or mean ± std without them', () => {
    const series = seriesOf(lut, [{ blockType: 'block', stage: 0, tokens: [1, 64, 197], valuesMs: [0.5, 1.5, 3.6], steps: [] }], 'block')!;
    expect(series.points[1]).toEqual({ tokens: 64, meanMs: 1.5, lowMs: 1.4, highMs: 1.6, samplesMs: [1.4, 1.5, 1.6] });
    expect(series.fit).toEqual([{ tokens: 1, ms: 0.5 }, { tokens: 64, ms: 1.5 }, { tokens: 197, ms: 3.6 }]);
    const head = seriesOf(lut, [], 'head')!;
    expect(head.points[0]!.lowMs).toBeCloseTo(0.19, 9);
    expect(head.points[0]!.highMs).toBeCloseTo(0.21, 9);
    expect(seriesOf(lut, [], 'selector')).toBeNull();
    expect(extentOf([series, head, null])).toEqual({ maxTokens: 197, maxMs: 3.7 });
  });

  it("marks the solver's kept counts on block charts only", () => {
    expect(keepMarkers(solution, 'block-after-selector')).toEqual([{ tokens: 123, label: 'S1: keep 0.62 (121/196)' }]);
    expect(keepMarkers(solution, 'head')).toEqual([]);
    expect(keepMarkers(null, 'block')).toEqual([]);
  });

  it('stacks predicted latency per part for the dense model and the solver choice', () => {
    const [dense, pruned] = budgetBars(solution);
    expect(dense).toEqual({ label: 'Dense', totalMs: 45, segments: [{ group: 'patch embed', startMs: 0, ms: 1 }, { group: 'blocks', startMs: 1, ms: 43.8 }, { group: 'head', startMs: 44.8, ms: 0.2 }] });
    expect(pruned!.segments.map((s) => s.group)).toEqual(['patch embed', 'blocks', 'selectors', 'head']);
    expect(pruned!.totalMs).toBeCloseTo(28, 9);
  });

  it('writes the table as CSV, one row per point, samples in the last column', () => {
    const lines = lutToCsv(lut).trimEnd().split('\n');
    expect(lines[0]).toBe('device,model,block_type,stage,tokens,mean_ms,std_ms,count,samples_ms');
    expect(lines[2]).toBe('SM-G980F,deit_tiny_patch16_224,block,0,1,0.5,0.02,3,0.48;0.5;0.52');
    expect(lines).toHaveLength(5);
  });
});

describe('chart scales', () => {
  it('starts both axes at zero, rounds them to nice ends, and fits the margins', () => {
    const scales = staircaseScales({ maxTokens: 197, maxMs: 3.7 }, { width: 600, height: 300 });
    expect(scales.x.domain()).toEqual([0, 200]);
    expect(scales.y.domain()).toEqual([0, 4]);
    expect(scales.x(0)).toBe(56);
    expect(scales.x(200)).toBe(576);
    expect(scales.y(0)).toBe(256);
    expect(scales.xTicks).toEqual([0, 50, 100, 150, 200]);
  });

  it('formats milliseconds with three significant figures', () => {
    expect([0, 0.0123, 1.234, 12.34, 123.4].map(formatMs)).toEqual(['0', '0.012', '1.23', '12.3', '123']);
  });
});
