/**
 * A BatchMatMul kernel for the wasm backend's batched products. The stock kernel sends only
 * batch-1 products to XNNPACK and runs larger batches through a scalar loop (10-40x slower), so
 * callers used to split batches into one 2-D product per matrix, ~18 us of kernel overhead each:
 * thousands of calls per training step of a small ViT. This one multiplies the whole batch in one
 * WebAssembly SIMD call (wasm/f32-batched-matmul.ts), with the same sums as a plain f32 loop.
 *
 * It takes float32 operands without transpose flags and with the same batch (> 1) on both sides;
 * everything else is left to the stock kernel (the caller's fallback). Environment notes: it needs
 * WebAssembly SIMD (Node 16.4+, current browsers); the module is compiled synchronously, which
 * browsers allow off the main thread or for small modules (this one is under 1 KiB).
 */
import * as tf from '@tensorflow/tfjs-core';

import { WasmBatchedMatmul } from './wasm/batched-matmul';

import type { DataType, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/** The two BackendWasm methods the heap kernels use (public methods of tfjs-backend-wasm 4.x). */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export type KernelArgs = { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown };

let kernel: WasmBatchedMatmul | null | undefined;

/** The SIMD module, built on first use; null where WebAssembly SIMD is missing. */
export function batchedMatmulKernel(): WasmBatchedMatmul | null {
  if (kernel === undefined) kernel = WasmBatchedMatmul.create();
  return kernel;
}

function sameShape(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((value, i) => value === y[i]);
}

/** The product, or null when the stock kernel must take it (see the file comment). */
export function simdBatchMatMul(args: KernelArgs): TensorInfo | null {
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean } | undefined;
  const simd = batchedMatmulKernel();
  if (simd === null || attrs?.transposeA === true || attrs?.transposeB === true) return null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 3) return null;
  const batchShape = a.shape.slice(0, -2);
  if (!sameShape(batchShape, b.shape.slice(0, -2))) return null;
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [innerB, n] = b.shape.slice(-2) as [number, number];
  const batch = tf.util.sizeFromShape(batchShape);
  if (batch <= 1 || k !== innerB) return null;
  const backend = args.backend as HeapBackend;
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  if (m * n === 0) return out;
  // Views are taken after makeOutput, which may grow (and so detach) the heap.
  const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  simd.multiply(heap(a), heap(b), heap(out), { batch, m, k, n });
  return out;
}
