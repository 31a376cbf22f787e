import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { createModel, modelCost, specFromTimm } from '../registry';
import { countParameters } from '../weights';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

function within(value: number, published: number, fraction: number): boolean {
  return Math.abs(value - published) <= fraction * published;
}

describe('PiT cost', () => {
  it('matches the published PiT-XS figures: 1.4 GMACs, 10.6M parameters', () => {
    const cost = modelCost(specFromTimm('pit_xs_224'));
    expect(within(cost.macs, 1.4e9, 0.03)).toBe(true);
    expect(within(cost.params, 10.6e6, 0.01)).toBe(true);
    expect(cost.blocks.map((block) => block.tokens)).toEqual([730, 730, 197, 197, 197, 197, 197, 197, 50, 50, 50, 50]);
  });

  it('matches the published PiT-S figures: 2.9 GMACs, 23.5M parameters', () => {
    const cost = modelCost(specFromTimm('pit_s_224'));
    expect(within(cost.macs, 2.9e9, 0.03)).toBe(true);
    expect(within(cost.params, 23.5e6, 0.01)).toBe(true);
  });

  it.each([
    ['plain', {}],
    ['distilled, odd grids', { distilled: true, img_size: 23, stride: 3, patch_size: 5 }],
  ])('counts exactly the parameters the model has (%s)', (_, extra) => {
    const spec = specFromTimm('PoolingVisionTransformer', { img_size: 20, patch_size: 4, stride: 2, base_dims: [4, 4, 4], depth: [1, 2, 1], heads: [2, 4, 8], num_classes: 5, ...extra });
    const model = createModel(spec);
    const cost = modelCost(spec);
    expect(cost.params).toBe(countParameters(model));
    expect(cost.blocks.map((block) => block.tokens)).toEqual(model.tokensPerBlock());
    model.dispose();
  });

  it('counts fewer MACs for pruned token counts', () => {
    const spec = specFromTimm('pit_xs_224');
    const dense = modelCost(spec);
    const pruned = modelCost(spec, { tokensPerBlock: dense.blocks.map((block, i) => (i < 2 ? block.tokens : Math.ceil(block.tokens / 2))) });
    expect(pruned.macs).toBeLessThan(dense.macs);
    expect(pruned.blocks[0]?.macs).toBe(dense.blocks[0]?.macs);
    expect(pruned.params).toBe(dense.params);
  });
});
