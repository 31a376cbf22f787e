import { describe, expect, it } from 'vitest';

import { drawDecisionNoise } from '../spvit/decisions';

import { ShardRandom } from './shard-noise';

/** The noise the model would draw, selector after selector, from a random source. */
function drawAll(random: ShardRandom, images: number, tokens: readonly number[]): Float32Array[] {
  return tokens.map((count) => drawDecisionNoise(random, images, count));
}

describe('ShardRandom', () => {
  it('gives every image the same Gumbel noise whichever shard it lands in', () => {
    const tokens = [6, 6, 4];
    const whole = drawAll(new ShardRandom({ seed: 7, step: 3, firstImage: 0, images: 5, tokensPerSelector: tokens }), 5, tokens);
    const first = drawAll(new ShardRandom({ seed: 7, step: 3, firstImage: 0, images: 2, tokensPerSelector: tokens }), 2, tokens);
    const second = drawAll(new ShardRandom({ seed: 7, step: 3, firstImage: 2, images: 3, tokensPerSelector: tokens }), 3, tokens);
    tokens.forEach((count, s) => {
      expect(Array.from(first[s] as Float32Array)).toEqual(Array.from((whole[s] as Float32Array).subarray(0, 2 * count)));
      expect(Array.from(second[s] as Float32Array)).toEqual(Array.from((whole[s] as Float32Array).subarray(2 * count)));
    });
  });

  it('changes with the step and refuses to hand out more noise than planned', () => {
    const a = drawAll(new ShardRandom({ seed: 7, step: 3, firstImage: 0, images: 1, tokensPerSelector: [4] }), 1, [4]);
    const b = drawAll(new ShardRandom({ seed: 7, step: 4, firstImage: 0, images: 1, tokensPerSelector: [4] }), 1, [4]);
    expect(Array.from(a[0] as Float32Array)).not.toEqual(Array.from(b[0] as Float32Array));
    const random = new ShardRandom({ seed: 1, step: 0, firstImage: 0, images: 1, tokensPerSelector: [2] });
    drawDecisionNoise(random, 1, 2);
    expect(random.exhausted).toBe(true);
    expect(() => random.uniform()).toThrow(/more Gumbel noise/);
  });
});
