/**
 * LayerNorm over rows of width d, forward and backward, as plain loops over Float32Array views (the
 * wasm backend's heap in layer-norm-kernel.ts). Sums run in f64 (JS numbers); the per-row mean and
 * 1/sqrt(var + eps) are rounded to f32 before use, so the backward pass, which recomputes
 * xhat = (x - mean) * rstd from the saved f32 values, sees exactly the xhat of the forward pass.
 */

export interface RowsShape {
  rows: number;
  /** Width of a row (the normalised axis). */
  d: number;
}

export interface LayerNormForwardViews {
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  /** Outputs: y like x, mean and rstd one value per row. */
  y: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
}

/** y = (x - mean) * rstd * gamma + beta per row, mean and variance in two passes. */
export function layerNormRowsForward(views: LayerNormForwardViews, { rows, d }: RowsShape, eps: number): void {
  const { x, gamma, beta, y, mean, rstd } = views;
  for (let r = 0, start = 0; r < rows; r++, start += d) {
    const end = start + d;
    let sum = 0;
    for (let k = start; k < end; k++) sum += x[k] as number;
    const m = Math.fround(sum / d);
    let squares = 0;
    for (let k = start; k < end; k++) {
      const centred = (x[k] as number) - m;
      squares += centred * centred;
    }
    const s = Math.fround(1 / Math.sqrt(squares / d + eps));
    for (let k = start, i = 0; k < end; k++, i++) y[k] = ((x[k] as number) - m) * s * (gamma[i] as number) + (beta[i] as number);
    mean[r] = m;
    rstd[r] = s;
  }
}

export interface LayerNormBackwardViews {
  dy: Float32Array;
  x: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  gamma: Float32Array;
  /** Outputs: dx like x, dgamma and dbeta of width d (summed over rows). */
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
}

/**
 * With g = dy * gamma: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) per row,
 * dgamma = sum over rows of dy * xhat, dbeta = sum over rows of dy.
 */
export function layerNormRowsBackward(views: LayerNormBackwardViews, { rows, d }: RowsShape): void {
  const { dy, x, mean, rstd, gamma, dx, dgamma, dbeta } = views;
  const gammaSums = new Float64Array(d);
  const betaSums = new Float64Array(d);
  for (let r = 0, start = 0; r < rows; r++, start += d) {
    const end = start + d;
    const m = mean[r] as number;
    const s = rstd[r] as number;
    let sumG = 0;
    let sumGX = 0;
    for (let k = start, i = 0; k < end; k++, i++) {
      const xhat = ((x[k] as number) - m) * s;
      const grad = dy[k] as number;
      const g = grad * (gamma[i] as number);
      sumG += g;
      sumGX += g * xhat;
      gammaSums[i] = (gammaSums[i] as number) + grad * xhat;
      betaSums[i] = (betaSums[i] as number) + grad;
    }
    const meanG = sumG / d;
    const meanGX = sumGX / d;
    for (let k = start, i = 0; k < end; k++, i++) {
      const xhat = ((x[k] as number) - m) * s;
      dx[k] = s * ((dy[k] as number) * (gamma[i] as number) - meanG - xhat * meanGX);
    }
  }
  dgamma.set(gammaSums);
  dbeta.set(betaSums);
}
