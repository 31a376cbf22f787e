/**
 * Gumbel noise that does not depend on how a batch is split into shards. The SPViT models draw
 * their noise from a SeededRandom, selector after selector, [batch, tokens] row-major
 * (core/spvit/decisions.ts drawDecisionNoise). Here every image of a step has its own stream, seeded
 * by (run seed, step, image index in the global batch); a ShardRandom replays those streams in the
 * order the model reads them, so image i gets the same noise whatever shard it lands in.
 */
import { BugError } from '../shared/errors';
import { SeededRandom } from '../spvit/random';

function imageSeed(seed: number, step: number, image: number): number {
  let h = (seed ^ 0x5bd1e995) >>> 0;
  h = Math.imul(h ^ (step + 0x27d4eb2f), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 15) ^ (image + 0x165667b1), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface ShardNoiseOptions {
  seed: number;
  step: number;
  /** Index of the shard's first image in the global batch. */
  firstImage: number;
  images: number;
  /** Tokens each selector decides on, in selector order. */
  tokensPerSelector: readonly number[];
}

/** A SeededRandom whose uniforms are the per-image streams, laid out in the model's reading order. */
export class ShardRandom extends SeededRandom {
  private readonly values: Float64Array;
  private cursor = 0;

  constructor(options: ShardNoiseOptions) {
    super(options.seed);
    const { images, tokensPerSelector } = options;
    const perImage = tokensPerSelector.reduce((sum, tokens) => sum + tokens, 0);
    const streams = new Float64Array(images * perImage);
    for (let b = 0; b < images; b += 1) {
      const random = new SeededRandom(imageSeed(options.seed, options.step, options.firstImage + b));
      for (let i = 0; i < perImage; i += 1) streams[b * perImage + i] = random.uniform();
    }
    this.values = new Float64Array(images * perImage);
    let out = 0;
    let selectorStart = 0;
    for (const tokens of tokensPerSelector) {
      for (let b = 0; b < images; b += 1) {
        this.values.set(streams.subarray(b * perImage + selectorStart, b * perImage + selectorStart + tokens), out);
        out += tokens;
      }
      selectorStart += tokens;
    }
  }

  override uniform(): number {
    if (this.cursor >= this.values.length) {
      throw new BugError(`The model read more Gumbel noise (${this.cursor + 1} values) than its selectors decide on (${this.values.length}).`);
    }
    const value = this.values[this.cursor] as number;
    this.cursor += 1;
    return value;
  }

  override nextUint32(): number {
    throw new BugError('ShardRandom only replays uniforms; the model drew integers (the noise layout changed).');
  }

  override fork(): SeededRandom {
    throw new BugError('ShardRandom cannot fork; the model changed how it draws noise.');
  }

  /** True when the model consumed exactly the planned noise (checked after each forward). */
  get exhausted(): boolean {
    return this.cursor === this.values.length;
  }
}
