import { describe, expect, it } from 'vitest';

import { JsMatmulKernel, WasmMatmulKernel } from './matmul';

function fill(length: number, seed: number, max: number): Int16Array {
  let state = seed;
  return Int16Array.from({ length }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state % (2 * max + 1)) - max;
  });
}

describe('matmul kernels', () => {
  const wasm = WasmMatmulKernel.create();

  it('has WebAssembly SIMD on this platform (Node 20)', () => {
    expect(wasm).not.toBeNull();
  });

  it('wasm SIMD and the plain loops give identical int32 sums, odd sizes and extreme values included', () => {
    const js = new JsMatmulKernel();
    const kernel = wasm as WasmMatmulKernel;
    for (const [rows, inner, cols] of [[5, 13, 7], [197, 64, 197], [3, 192, 576], [1, 1, 1], [2, 200, 9]] as const) {
      const x = fill(rows * inner, rows + inner, 127);
      const w8 = Int8Array.from(fill(cols * inner, cols, 127));
      x[0] = -127;
      w8[0] = -127;
      const expected = new Int32Array(rows * cols);
      const actual = new Int32Array(rows * cols);
      js.multiply(x, rows, js.constant(w8, cols, inner), expected);
      kernel.multiply(x, rows, kernel.constant(w8, cols, inner), actual);
      expect(actual).toEqual(expected);
      const probabilities = fill(cols * inner, 3, 32767);
      js.multiplyDynamic(x, probabilities, { rows, inner, cols }, expected);
      kernel.multiplyDynamic(x, probabilities, { rows, inner, cols }, actual);
      expect(actual).toEqual(expected);
    }
  });
});
