/**
 * Integer matrix products for the reference runner: out[r][c] = sum_k x[r][k] * w[c][k], with x
 * and w integers in the int16 range and every sum inside int32 (the callers' bounds). Two kernels
 * compute the same numbers: plain loops (the definition) and WebAssembly SIMD (about 30x faster);
 * kernels.test.ts checks that they agree.
 */
import { matmulModuleBytes } from './wasm-matmul';

/** out [rows][cols] = x [rows][inner] times w [cols][inner] transposed. */
export interface MatrixShape {
  rows: number;
  inner: number;
  cols: number;
}

/** Weights registered once (a linear layer's int8 matrix, [cols][inner]). */
export interface MatmulWeights {
  readonly cols: number;
  readonly inner: number;
}

export interface MatmulKernel {
  readonly name: 'wasm-simd' | 'js';
  constant(weights: Int8Array, cols: number, inner: number): MatmulWeights;
  /** out [rows][cols] from x [rows][inner] (row stride `inner`) and registered weights. */
  multiply(x: ArrayLike<number>, rows: number, weights: MatmulWeights, out: Int32Array): void;
  /** Both operands given now: x [rows][inner], w [cols][inner]. */
  multiplyDynamic(x: ArrayLike<number>, w: ArrayLike<number>, shape: MatrixShape, out: Int32Array): void;
}

class JsWeights implements MatmulWeights {
  constructor(readonly data: Int8Array, readonly cols: number, readonly inner: number) {}
}

function loops(x: ArrayLike<number>, w: ArrayLike<number>, shape: MatrixShape, out: Int32Array): void {
  const { rows, inner, cols } = shape;
  for (let r = 0; r < rows; r++) {
    const xo = r * inner;
    for (let c = 0; c < cols; c++) {
      const wo = c * inner;
      let sum = 0;
      for (let k = 0; k < inner; k++) sum += (x[xo + k] as number) * (w[wo + k] as number);
      out[r * cols + c] = sum;
    }
  }
}

export class JsMatmulKernel implements MatmulKernel {
  readonly name = 'js' as const;

  constant(weights: Int8Array, cols: number, inner: number): MatmulWeights {
    return new JsWeights(weights, cols, inner);
  }

  multiply(x: ArrayLike<number>, rows: number, weights: MatmulWeights, out: Int32Array): void {
    const own = weights as JsWeights;
    loops(x, own.data, { rows, inner: own.inner, cols: own.cols }, out);
  }

  multiplyDynamic(x: ArrayLike<number>, w: ArrayLike<number>, shape: MatrixShape, out: Int32Array): void {
    loops(x, w, shape, out);
  }
}

const PAGE_BYTES = 65536;
const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

class WasmWeights implements MatmulWeights {
  readonly paddedCols: number;
  readonly paddedInner: number;

  constructor(readonly address: number, readonly cols: number, readonly inner: number) {
    this.paddedCols = roundUp(cols, 4);
    this.paddedInner = roundUp(inner, 8);
  }
}

/** Rows of `inner` values stored as int16 rows of `paddedInner`, with zero rows up to `paddedRows`. */
interface RowLayout {
  rows: number;
  inner: number;
  paddedInner: number;
  paddedRows: number;
}

/** The part of the WebAssembly API used here (core's lib settings do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface MatmulExports {
  memory: WasmMemory;
  // The WebAssembly function's own signature (wasm-matmul.ts): six i32 arguments.
  // eslint-disable-next-line max-params
  mm: (x: number, w: number, out: number, rows: number, inner: number, cols: number) => void;
}

/** Constant weights live at the bottom of the module's memory; each call uses the space above them. */
export class WasmMatmulKernel implements MatmulKernel {
  readonly name = 'wasm-simd' as const;
  private weightsEnd = 0;

  private constructor(private readonly exports: MatmulExports) {}

  /** null where WebAssembly SIMD is not available. */
  static create(): WasmMatmulKernel | null {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = matmulModuleBytes();
    if (api === undefined || !api.validate(bytes)) return null;
    const instance = new api.Instance(new api.Module(bytes));
    return new WasmMatmulKernel(instance.exports as unknown as MatmulExports);
  }

  constant(weights: Int8Array, cols: number, inner: number): MatmulWeights {
    const own = new WasmWeights(this.weightsEnd, cols, inner);
    this.weightsEnd = roundUp(own.address + own.paddedCols * own.paddedInner * 2, 16);
    this.ensure(this.weightsEnd);
    this.copyRows(weights, { rows: cols, inner, paddedInner: own.paddedInner, paddedRows: cols }, own.address);
    return own;
  }

  multiply(x: ArrayLike<number>, rows: number, weights: MatmulWeights, out: Int32Array): void {
    const own = weights as WasmWeights;
    const xAddress = this.weightsEnd;
    const outAddress = roundUp(xAddress + rows * own.paddedInner * 2, 16);
    this.ensure(outAddress + rows * own.paddedCols * 4);
    this.copyRows(x, { rows, inner: own.inner, paddedInner: own.paddedInner, paddedRows: rows }, xAddress);
    this.exports.mm(xAddress, own.address, outAddress, rows, own.paddedInner, own.paddedCols);
    this.readOut(outAddress, { rows, cols: own.cols, paddedCols: own.paddedCols }, out);
  }

  multiplyDynamic(x: ArrayLike<number>, w: ArrayLike<number>, shape: MatrixShape, out: Int32Array): void {
    const { rows, inner, cols } = shape;
    const paddedInner = roundUp(inner, 8);
    const paddedCols = roundUp(cols, 4);
    const wAddress = this.weightsEnd;
    const xAddress = roundUp(wAddress + paddedCols * paddedInner * 2, 16);
    const outAddress = roundUp(xAddress + rows * paddedInner * 2, 16);
    this.ensure(outAddress + rows * paddedCols * 4);
    this.copyRows(w, { rows: cols, inner, paddedInner, paddedRows: paddedCols }, wAddress);
    this.copyRows(x, { rows, inner, paddedInner, paddedRows: rows }, xAddress);
    this.exports.mm(xAddress, wAddress, outAddress, rows, paddedInner, paddedCols);
    this.readOut(outAddress, { rows, cols, paddedCols }, out);
  }

  private ensure(bytes: number): void {
    const memory = this.exports.memory;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
  }

  /** Copies rows of `inner` values as int16 rows of `paddedInner` (zero padding), plus zero rows up to `paddedRows`. */
  private copyRows(source: ArrayLike<number>, layout: RowLayout, address: number): void {
    const { rows, inner, paddedInner, paddedRows } = layout;
    const target = new Int16Array(this.exports.memory.buffer, address, paddedRows * paddedInner);
    if (inner === paddedInner && source instanceof Int16Array) {
      target.set(source.subarray(0, rows * inner));
    } else {
      for (let r = 0; r < rows; r++) {
        const from = r * inner;
        const to = r * paddedInner;
        for (let k = 0; k < inner; k++) target[to + k] = source[from + k] as number;
        target.fill(0, to + inner, to + paddedInner);
      }
    }
    target.fill(0, rows * paddedInner);
  }

  private readOut(address: number, layout: { rows: number; cols: number; paddedCols: number }, out: Int32Array): void {
    const { rows, cols, paddedCols } = layout;
    const source = new Int32Array(this.exports.memory.buffer, address, rows * paddedCols);
    if (cols === paddedCols) {
      out.set(source);
      return;
    }
    for (let r = 0; r < rows; r++) out.set(source.subarray(r * paddedCols, r * paddedCols + cols), r * cols);
  }
}

/** The fast kernel where the platform has WebAssembly SIMD, else the plain loops. */
export function createMatmulKernel(preference: 'auto' | 'js' = 'auto'): MatmulKernel {
  if (preference === 'js') return new JsMatmulKernel();
  return WasmMatmulKernel.create() ?? new JsMatmulKernel();
}
