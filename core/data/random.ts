/** Seeded pseudo-random numbers for shuffling and augmentation: same seed, same sequence, any host. */

/** A generator of floats in [0, 1). */
export interface Random {
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

/** Mixes a 32-bit value (the finaliser of MurmurHash3), so nearby seeds give unrelated streams. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed derived from a base seed and integer parts (epoch, sample index, ...). */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const part of parts) {
    h = mix32(h ^ mix32(part + 0x7f4a7c15));
  }
  return h;
}

/** Mulberry32: small state, good enough statistics for shuffles and crops. */
export function createRandom(seed: number): Random {
  let state = mix32(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
  };
}

/** Fisher-Yates in place; returns the same array. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = random.int(i + 1);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}

/** 0..length-1 in a seeded random order. */
export function shuffledIndices(length: number, seed: number): number[] {
  const indices = Array.from({ length }, (_, i) => i);
  return shuffleInPlace(indices, createRandom(seed));
}
