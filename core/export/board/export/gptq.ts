/**
 * Error-compensating rounding of int8 weights (the GPTQ procedure of Frantar et al., 2022, written
 * from its description): columns are rounded one after another, and each column's rounding error
 * is spread over the columns not yet rounded, weighted by the inverse of H = E[x x^T] of the
 * layer's calibration inputs. The scales stay per output channel (max |w| / 127); only the choice
 * between rounding up and down changes, so that W_q x stays close to W x for the inputs the layer
 * sees, not just W_q close to W. Float64 throughout; O(in^3 + out in^2).
 */
import { StudioError } from '../../../shared/errors';

/** The input second moment of one linear layer: sum of x x^T over `count` rows, [in][in]. */
export interface InputMoments {
  sum: Float64Array;
  count: number;
  size: number;
}

/**
 * U with H^-1 = U^T U (upper triangular), for H damped by `damping` times its mean diagonal.
 * Row j of U holds how column j's error propagates to the columns after it. With H = M M^T, M
 * upper triangular (the Cholesky factorisation run from the last row up), U = M^-1.
 */
export function inverseFactor(moments: InputMoments, damping = 0.01): Float64Array {
  const { size } = moments;
  const h = Float64Array.from(moments.sum, (value) => value / Math.max(1, moments.count));
  let mean = 0;
  for (let i = 0; i < size; i++) mean += (h[i * size + i] as number) / size;
  for (let i = 0; i < size; i++) h[i * size + i] = (h[i * size + i] as number) + damping * mean + 1e-12;
  // M: H = M M^T with M upper triangular, columns from the last one back.
  const m = new Float64Array(size * size);
  for (let j = size - 1; j >= 0; j--) {
    let diagonal = h[j * size + j] as number;
    for (let k = j + 1; k < size; k++) diagonal -= (m[j * size + k] as number) ** 2;
    if (!(diagonal > 0)) throw new StudioError('export/failed', 'The calibration inputs of a layer are degenerate (not positive definite).', { hint: 'Calibrate on more images.' });
    const pivot = Math.sqrt(diagonal);
    m[j * size + j] = pivot;
    const rowJ = m.subarray(j * size, (j + 1) * size);
    for (let i = 0; i < j; i++) {
      const rowI = m.subarray(i * size, (i + 1) * size);
      let sum = h[i * size + j] as number;
      for (let k = j + 1; k < size; k++) sum -= (rowI[k] as number) * (rowJ[k] as number);
      rowI[j] = sum / pivot;
    }
  }
  // U = M^-1 (upper triangular), solved row by row from the bottom.
  const u = new Float64Array(size * size);
  const row = new Float64Array(size);
  for (let i = size - 1; i >= 0; i--) {
    const pivot = m[i * size + i] as number;
    row.fill(0);
    // row[j] = sum_{k=i+1..j} m[i][k] u[k][j], accumulated a row of U at a time.
    for (let k = i + 1; k < size; k++) {
      const factor = m[i * size + k] as number;
      if (factor === 0) continue;
      const rowK = u.subarray(k * size, (k + 1) * size);
      for (let j = k; j < size; j++) row[j] = (row[j] as number) + factor * (rowK[j] as number);
    }
    u[i * size + i] = 1 / pivot;
    for (let j = i + 1; j < size; j++) u[i * size + j] = -(row[j] as number) / pivot;
  }
  return u;
}

/**
 * Rounds weight [out][in] to int8 with the given per-row scales, compensating each rounding error
 * on the remaining columns. Returns the int8 values.
 */
export function gptqRound(weight: Float32Array, scales: Float64Array, moments: InputMoments): Int8Array {
  const { size } = moments;
  const rows = weight.length / size;
  const work = Float64Array.from(weight);
  const upper = inverseFactor(moments);
  const out = new Int8Array(weight.length);
  for (let j = 0; j < size; j++) {
    const pivot = upper[j * size + j] as number;
    for (let r = 0; r < rows; r++) {
      const scale = scales[r] as number;
      const value = work[r * size + j] as number;
      const q = Math.max(-127, Math.min(127, Math.round(value / scale)));
      out[r * size + j] = q;
      const error = (value - q * scale) / pivot;
      if (error === 0) continue;
      const base = r * size;
      for (let k = j + 1; k < size; k++) work[base + k] = (work[base + k] as number) - error * (upper[j * size + k] as number);
    }
  }
  return out;
}
