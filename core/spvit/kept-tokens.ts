/**
 * Bookkeeping for inference with tokens physically removed. Each image keeps its own list of
 * surviving spatial tokens (original indices, increasing); a batch is padded to its widest image and
 * the padding is masked out of attention, pooling and packages, so every image computes exactly what
 * it would alone. Sequence layout: [CLS, spatial slots (width, padded), package_0 .. package_{s-1}].
 */
import type { SlotScores } from './decisions';

export interface KeptTokens {
  batch: number;
  /** N, the number of original spatial tokens. */
  spatialTokens: number;
  /** Per image, the original indices of the surviving tokens, increasing. */
  kept: Int32Array[];
  /** Slots per image in the sequence: the widest image's count. */
  width: number;
}

export function allTokensKept(batch: number, spatialTokens: number): KeptTokens {
  const all = Int32Array.from({ length: spatialTokens }, (_, i) => i);
  return { batch, spatialTokens, kept: Array.from({ length: batch }, () => all), width: spatialTokens };
}

/** 1 for slots holding a token, 0 for padding: [batch * width]. */
export function slotValidity(tokens: KeptTokens): Float32Array {
  const out = new Float32Array(tokens.batch * tokens.width);
  tokens.kept.forEach((list, b) => out.fill(1, b * tokens.width, b * tokens.width + list.length));
  return out;
}

/** True when some image has padding (then attention needs a key mask). */
export function hasPadding(tokens: KeptTokens): boolean {
  return tokens.kept.some((list) => list.length !== tokens.width);
}

/** Wraps one selector's host scores of the spatial slots for decideKeep. */
export function slotScores(tokens: KeptTokens, margin: Float32Array, keepProbability: Float32Array): SlotScores {
  const { batch, width } = tokens;
  const alive = new Uint8Array(batch * width);
  const originalIndex = new Int32Array(batch * width).fill(-1);
  tokens.kept.forEach((list, b) => {
    for (let j = 0; j < list.length; j++) {
      alive[b * width + j] = 1;
      originalIndex[b * width + j] = list[j] as number;
    }
  });
  return { batch, slots: width, margin, keepProbability, alive, originalIndex };
}

/** The survivors after a decision over the current slots (keep [batch * width], 1 = keep). */
export function applyDecision(tokens: KeptTokens, keep: Uint8Array): KeptTokens {
  const kept = tokens.kept.map((list, b) => list.filter((_, j) => keep[b * tokens.width + j] === 1));
  return { batch: tokens.batch, spatialTokens: tokens.spatialTokens, kept, width: Math.max(0, ...kept.map((list) => list.length)) };
}

/** Cumulative keep mask over the original tokens, [batch * N], 1 = kept. */
export function keepMask(tokens: KeptTokens): Uint8Array {
  const out = new Uint8Array(tokens.batch * tokens.spatialTokens);
  tokens.kept.forEach((list, b) => list.forEach((index) => (out[b * tokens.spatialTokens + index] = 1)));
  return out;
}

export interface RowGather {
  /** Rows of the flattened [batch * oldLength] sequence to take, [batch * newLength]. */
  rows: Int32Array;
  /** 1 for real rows, 0 for padding rows, [batch * newLength]. */
  valid: Float32Array;
  newLength: number;
}

/**
 * Rows that turn [CLS, old slots, packages] into [CLS, surviving slots (padded), packages], where
 * `packages` counts the package tokens at the end of the old sequence (the new one included).
 * Padding rows point at the image's CLS row and are marked invalid.
 */
export function compactRows(before: KeptTokens, after: KeptTokens, packages: number): RowGather {
  const oldLength = 1 + before.width + packages;
  const newLength = 1 + after.width + packages;
  const rows = new Int32Array(before.batch * newLength);
  const valid = new Float32Array(before.batch * newLength);
  for (let b = 0; b < before.batch; b++) {
    const base = b * oldLength;
    const out = b * newLength;
    const oldList = before.kept[b] as Int32Array;
    const newList = after.kept[b] as Int32Array;
    rows[out] = base;
    valid[out] = 1;
    // Survivors keep their order, so one forward scan finds each one's old slot.
    let slot = 0;
    for (let j = 0; j < after.width; j++) {
      if (j < newList.length) {
        while (oldList[slot] !== newList[j]) slot++;
        rows[out + 1 + j] = base + 1 + slot;
        valid[out + 1 + j] = 1;
      } else {
        rows[out + 1 + j] = base;
      }
    }
    for (let p = 0; p < packages; p++) {
      rows[out + 1 + after.width + p] = base + 1 + before.width + p;
      valid[out + 1 + after.width + p] = 1;
    }
  }
  return { rows, valid, newLength };
}
