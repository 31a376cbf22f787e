import { describe, expect, it } from 'vitest';

import { vitArchitecture } from '../models/vit/architecture';
import { pitArchitecture } from '../models/pit/architecture';
import { PIT_PRESETS } from '../models/pit/config';

import { ROOFLINE_PRESETS, analyticLatencyMs, buildAnalyticLut } from './analytic-lut';
import { solveBudget } from './budget-solver';
import { flatSelectors, layoutFromModel } from './layout';
import { createLatencyModel, unprunedLatencyMs } from './latency-model';
import { parseLut } from './lut-io';
import { compareModelShapes, lutModelShapeFromSpec } from './model-shape';
import { SHAPE_FLOP_COUNTER, macsOfBlockForShape } from './transformer-macs';

describe('analytic LUT', () => {
  const spec = vitArchitecture.specFromTimm('VisionTransformer', { img_size: 224, patch_size: 16, embed_dim: 192, depth: 12, num_heads: 3 });
  const shape = lutModelShapeFromSpec(spec, 'deit_tiny_patch16_224');

  it('derives the model shape from a backbone spec', () => {
    expect(shape.stages).toEqual([{ depth: 12, embedDim: 192, heads: 3, spatialTokens: 196, extraTokens: 1 }]);
    const pit = lutModelShapeFromSpec(pitArchitecture.specFromTimm('PoolingVisionTransformer', PIT_PRESETS.pit_s_224));
    expect(pit.stages.map((s) => s.spatialTokens)).toEqual([729, 196, 49]);
    expect(compareModelShapes(shape, pit)).toContain('arch vit vs pit');
    expect(compareModelShapes(shape, shape)).toEqual([]);
  });

  it('is a valid LUT marked analytic, with steps at the tile size, from the given MAC counter', () => {
    const calls: string[] = [];
    const macs = macsOfBlockForShape(shape);
    const options = {
      model: shape,
      macsOfBlock: (type: Parameters<typeof macs>[0], tokens: number, stage: number) => {
        calls.push(type);
        return macs(type, tokens, stage);
      },
      flopCounter: SHAPE_FLOP_COUNTER,
      roofline: ROOFLINE_PRESETS['mobile-cpu'],
      preset: 'mobile-cpu',
      createdAt: '2025-01-01T00:00:00Z',
    };
    const lut = parseLut(buildAnalyticLut(options));
    expect(lut.source).toBe('analytic');
    expect(lut.analytic?.flopCounter).toBe(SHAPE_FLOP_COUNTER);
    expect(new Set(calls)).toEqual(new Set(['patch-embed', 'block', 'block-after-selector', 'selector', 'head']));
    // Tile 8: 193..200 tokens cost the same, 201 costs more.
    expect(analyticLatencyMs(options, 'block', 193, 0)).toBe(analyticLatencyMs(options, 'block', 200, 0));
    expect(analyticLatencyMs(options, 'block', 201, 0)).toBeGreaterThan(analyticLatencyMs(options, 'block', 200, 0));
    // DeiT-T at 40 GFLOP/s: about 2.5 GFLOP -> 60-70 ms.
    const dense = unprunedLatencyMs(lut, layoutFromModel(shape, []));
    expect(dense).toBeGreaterThan(55);
    expect(dense).toBeLessThan(75);
  });

  it('feeds the budget solver: half the dense latency', () => {
    const lut = buildAnalyticLut({ model: shape, macsOfBlock: macsOfBlockForShape(shape), flopCounter: SHAPE_FLOP_COUNTER, roofline: ROOFLINE_PRESETS['mobile-cpu'] });
    const layout = layoutFromModel(shape, flatSelectors([3, 6, 9]));
    const dense = unprunedLatencyMs(lut, layout);
    const solution = solveBudget(createLatencyModel(lut, layout), { budgetMs: dense / 2 });
    expect(solution.predictedMs).toBeLessThanOrEqual(dense / 2);
    expect(solution.predictedMs).toBeGreaterThan(dense / 2 - 2);
    for (const selector of solution.selectors) expect(selector.onStepEdge).toBe(true);
  });
});
