/**
 * Bookkeeping for inference with tokens physically removed. Each image keeps its own list of
 * surviving spatial tokens (original indices, increasing); a batch is padded to its widest image and
 * the padding is masked out of attention, pooling and packages, so every image computes exactly what
 * it would alone. Sequence layout: [prefix tokens (CLS; PiT: class tokens), spatial slots (width,
 * padded), package_0 .. package_{s-1}].
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

export interface SequenceLayout {
  /** Tokens before the spatial slots (1 for ViT's CLS). */
  prefix: number;
  /** Package tokens after the slots. */
  packages: number;
}

/**
 * Rows that turn [prefix, old slots, packages] into [prefix, surviving slots (padded), packages],
 * where `packages` counts the package tokens at the end of the old sequence (the new one included).
 * Padding rows point at the image's first row and are marked invalid.
 */
export function compactRows(before: KeptTokens, after: KeptTokens, layout: SequenceLayout): RowGather {
  const { prefix, packages } = layout;
  const oldLength = prefix + before.width + packages;
  const newLength = prefix + after.width + packages;
  const rows = new Int32Array(before.batch * newLength);
  const valid = new Float32Array(before.batch * newLength);
  for (let b = 0; b < before.batch; b++) {
    const base = b * oldLength;
    const out = b * newLength;
    const oldList = before.kept[b] as Int32Array;
    const newList = after.kept[b] as Int32Array;
    for (let t = 0; t < prefix; t++) {
      rows[out + t] = base + t;
      valid[out + t] = 1;
    }
    // Survivors keep their order, so one forward scan finds each one's old slot.
    let slot = 0;
    for (let j = 0; j < after.width; j++) {
      if (j < newList.length) {
        while (oldList[slot] !== newList[j]) slot++;
        rows[out + prefix + j] = base + prefix + slot;
        valid[out + prefix + j] = 1;
      } else {
        rows[out + prefix + j] = base;
      }
    }
    for (let p = 0; p < packages; p++) {
      rows[out + prefix + after.width + p] = base + prefix + before.width + p;
      valid[out + prefix + after.width + p] = 1;
    }
  }
  return { rows, valid, newLength };
}

/**
 * Rows of concat([sequence (batch * sequenceLength rows), snapshot (batch * N rows)]) that rebuild
 * the full grid [batch * N]: survivors from their slot in the sequence, dropped tokens from the
 * snapshot taken when they were dropped (they keep their last value).
 */
export function restoreGridRows(tokens: KeptTokens, prefix: number, sequenceLength: number): Int32Array {
  const { batch, spatialTokens } = tokens;
  const snapshotStart = batch * sequenceLength;
  const rows = new Int32Array(batch * spatialTokens);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < spatialTokens; r++) rows[b * spatialTokens + r] = snapshotStart + b * spatialTokens + r;
    (tokens.kept[b] as Int32Array).forEach((index, slot) => {
      rows[b * spatialTokens + index] = b * sequenceLength + prefix + slot;
    });
  }
  return rows;
}
