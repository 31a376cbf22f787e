/**
 * A small seeded random source for the selectors' Gumbel noise. tfjs' own seeded ops give one
 * stream per call; decisions here need one reproducible stream per run (train step or inference
 * batch) that the masked and the token-removing passes can share.
 */

/** splitmix-style 32-bit mixing of a seed into the generator state. */
function mixSeed(seed: number): number {
  let z = (seed + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** xorshift128 generator; every value in the open interval (0, 1). */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    this.s0 = mixSeed(seed) || 1;
    this.s1 = mixSeed(this.s0 ^ 0x6a09e667);
    this.s2 = mixSeed(this.s1 ^ 0xbb67ae85);
    this.s3 = mixSeed(this.s2 ^ 0x3c6ef372);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    let t = this.s3;
    const s = this.s0;
    this.s3 = this.s2;
    this.s2 = this.s1;
    this.s1 = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.s0 = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.s0;
  }

  /** Uniform in (0, 1): never exactly 0 or 1, so logarithms stay finite. */
  uniform(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** A child stream, so callers can hand independent streams to parts of a computation. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}

/**
 * Noise for a two-way (keep, drop) Gumbel-Softmax, already reduced to its difference:
 * g_keep - g_drop for two independent Gumbel(0, 1) draws is Logistic(0, 1), i.e. log(u / (1 - u)).
 * Comparing (q_keep + g_keep) > (q_drop + g_drop) is therefore (q_keep - q_drop + noise) > 0.
 */
export function logisticNoise(random: SeededRandom, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = random.uniform();
    out[i] = Math.log(u) - Math.log1p(-u);
  }
  return out;
}

/** Gumbel(0, 1) draws, -log(-log(u)); kept for callers that need the K-way form. */
export function gumbelNoise(random: SeededRandom, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = -Math.log(-Math.log(random.uniform()));
  return out;
}
