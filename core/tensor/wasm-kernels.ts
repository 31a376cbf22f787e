/**
 * Replacement Slice and Unpack kernels for the wasm backend. The stock ones read the whole input
 * into a fresh JS buffer (`readSync`) on every call, so slicing G pieces off a tensor costs G full
 * copies plus garbage-collector pressure (attention's per-head split took seconds), and the C++
 * Gather alternative costs ~40 ns per element. These copy straight between views of the wasm heap,
 * one contiguous run at a time. Also BatchMatMul's batched products in one WebAssembly SIMD call
 * (wasm-batch-matmul.ts). Gradients are unchanged (they belong to the ops, not the kernels).
 */
import * as tf from '@tensorflow/tfjs-core';

import { batchedMatmulKernel, simdBatchMatMul } from './wasm-batch-matmul';

import type { HeapBackend, KernelArgs } from './wasm-batch-matmul';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

export interface SliceRegion {
  /** Shape of the source. */
  shape: readonly number[];
  begin: readonly number[];
  size: readonly number[];
}

type Source = ArrayLike<number> & { subarray(start: number, end: number): ArrayLike<number> };
type Target = { [index: number]: number; set(values: ArrayLike<number>, offset: number): void };

/**
 * Runs up to this many elements are copied element by element: a subarray view per run costs more
 * than the copy (the selector's half-width slices of [32, 64, 3, 32]: 6,144 runs of 16, 2.1x faster).
 */
const SHORT_RUN = 32;

/** Copies source[begin : begin + size] into target (both row-major), merging full trailing axes into one run. */
export function copySlice(source: Source, target: Target, region: SliceRegion): void {
  const { shape, begin, size } = region;
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let axis = rank - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis] as number;
  }
  // The run covers axis `runAxis` and every (full) axis after it.
  let runAxis = rank - 1;
  while (runAxis > 0 && size[runAxis] === shape[runAxis]) runAxis--;
  const runLength = rank === 0 ? 1 : (size[runAxis] as number) * (strides[runAxis] as number);
  const runStart = rank === 0 ? 0 : (begin[runAxis] as number) * (strides[runAxis] as number);
  const index = new Array<number>(runAxis).fill(0);
  let outOffset = 0;
  for (;;) {
    let offset = runStart;
    for (let axis = 0; axis < runAxis; axis++) offset += ((begin[axis] as number) + (index[axis] as number)) * (strides[axis] as number);
    if (runLength <= SHORT_RUN) {
      for (let i = 0; i < runLength; i++) target[outOffset + i] = source[offset + i] as number;
    } else {
      target.set(source.subarray(offset, offset + runLength), outOffset);
    }
    outOffset += runLength;
    let axis = runAxis - 1;
    while (axis >= 0) {
      index[axis] = (index[axis] as number) + 1;
      if ((index[axis] as number) < (size[axis] as number)) break;
      index[axis] = 0;
      axis--;
    }
    if (axis < 0) return;
  }
}

function heapSlice(x: TensorInfo, begin: number[], size: number[], backend: HeapBackend): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  // Views are taken after makeOutput, which may grow (and so detach) the heap.
  copySlice(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out), { shape: x.shape, begin, size });
  return out;
}

/** The stock kernels, kept for string tensors (stored outside the heap). */
const originals = new Map<string, KernelConfig['kernelFunc']>();

function stock(name: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  const original = originals.get(name);
  if (original === undefined) throw new Error(`No stock ${name} kernel for wasm.`);
  return original(args as Parameters<KernelConfig['kernelFunc']>[0]);
}

function sliceKernel(args: KernelArgs): TensorInfo | TensorInfo[] {
  const x = args.inputs.x as TensorInfo;
  if (x.dtype === 'string') return stock(tf.Slice, args);
  const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size) as [number[], number[]];
  return heapSlice(x, begin, size, args.backend as HeapBackend);
}

function unpackKernel(args: KernelArgs): TensorInfo | TensorInfo[] {
  const value = args.inputs.value as TensorInfo;
  if (value.dtype === 'string') return stock(tf.Unpack, args);
  const rank = value.shape.length;
  let axis = (args.attrs as { axis: number }).axis;
  if (axis < 0) axis += rank;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array<number>(rank).fill(0);
  const size = [...value.shape];
  size[axis] = 1;
  return Array.from({ length: value.shape[axis] as number }, (_, i) => {
    begin[axis] = i;
    const { dataId, dtype } = heapSlice(value, begin, size, args.backend as HeapBackend);
    return { dataId, dtype, shape: outShape };
  });
}

function batchMatMulKernel(args: KernelArgs): TensorInfo | TensorInfo[] {
  return simdBatchMatMul(args) ?? stock(tf.BatchMatMul, args);
}

const REPLACEMENTS: KernelConfig[] = [
  { kernelName: tf.Slice, backendName: 'wasm', kernelFunc: sliceKernel as KernelConfig['kernelFunc'] },
  { kernelName: tf.Unpack, backendName: 'wasm', kernelFunc: unpackKernel as KernelConfig['kernelFunc'] },
  { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc: batchMatMulKernel as KernelConfig['kernelFunc'] },
];

let installed = false;

/**
 * True once the wasm BatchMatMul multiplies float32 batches (> 1, no transpose flags) in one
 * SIMD call; false before installWasmKernelFixes or where WebAssembly SIMD is missing.
 */
export function hasSimdBatchMatMul(): boolean {
  return installed && originals.has(tf.BatchMatMul) && batchedMatmulKernel() !== null;
}

/** Swaps in the heap-copy kernels and the SIMD BatchMatMul once (other cases still take the stock path). */
export function installWasmKernelFixes(): void {
  if (installed) return;
  for (const config of REPLACEMENTS) {
    const original = tf.getKernel(config.kernelName, 'wasm');
    if (original === undefined) continue;
    originals.set(config.kernelName, original.kernelFunc);
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: config.kernelFunc });
  }
  installed = true;
}
