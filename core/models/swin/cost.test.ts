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

describe('Swin cost', () => {
  it('matches the published Swin-T figures: 4.5 GMACs, 28.3M parameters', () => {
    const cost = modelCost(specFromTimm('swin_tiny_patch4_window7_224'));
    expect(within(cost.macs, 4.5e9, 0.03)).toBe(true);
    expect(within(cost.params, 28.3e6, 0.01)).toBe(true);
    expect(cost.blocks.map((block) => block.tokens)).toEqual([3136, 3136, 784, 784, 196, 196, 196, 196, 196, 196, 49, 49]);
  });

  it('matches the published Swin-S figures: 8.7 GMACs, 49.6M parameters', () => {
    const cost = modelCost(specFromTimm('swin_small_patch4_window7_224'));
    expect(within(cost.macs, 8.7e9, 0.03)).toBe(true);
    expect(within(cost.params, 49.6e6, 0.01)).toBe(true);
  });

  it.each([
    ['clipped windows', {}],
    ['padded windows', { img_size: 40, window_size: 3 }],
    ['a non-square image', { img_size: [32, 48] }],
  ])('counts exactly the parameters the model has (%s)', (_, extra) => {
    const spec = specFromTimm('SwinTransformer', { img_size: 32, patch_size: 4, window_size: 4, embed_dim: 8, depths: [2, 1, 2], num_heads: [1, 2, 4], num_classes: 5, ...extra });
    const model = createModel(spec);
    const cost = modelCost(spec);
    expect(cost.params).toBe(countParameters(model));
    expect(cost.blocks.map((block) => block.tokens)).toEqual(model.tokensPerBlock());
    model.dispose();
  });

  it('counts the padded grid for window attention: 10x10 tokens in 4x4 windows cost as 12x12', () => {
    const spec = specFromTimm('SwinTransformer', { img_size: 40, patch_size: 4, window_size: 4, embed_dim: 8, depths: [1], num_heads: [2], mlp_ratio: 4, num_classes: 0 });
    const block = modelCost(spec).blocks[0]!;
    const padded = 144;
    expect(block.macs).toBe(padded * 8 * 24 + 2 * padded * 16 * 8 + padded * 8 * 8 + 2 * 100 * 8 * 32);
  });

  it('counts fewer MACs for pruned token counts', () => {
    const spec = specFromTimm('swin_tiny_patch4_window7_224');
    const dense = modelCost(spec);
    const pruned = modelCost(spec, { tokensPerBlock: dense.blocks.map((block) => Math.ceil(block.tokens * 0.7)) });
    expect(pruned.macs).toBeLessThan(0.8 * dense.macs);
    expect(pruned.params).toBe(dense.params);
  });
});
