/**
 * Wasm-backend kernels for LayerNorm over the last axis, one kernel call each way instead of the ~9
 * forward and ~15 backward stock ops of the composite (each op costs tens of microseconds of engine
 * work besides its pass over the data):
 *  - `SpvitLayerNorm`: x [..., d], gamma [d], beta [d], attr eps -> y [..., d], mean and rstd [...];
 *  - `SpvitLayerNormGrad`: dy, x, mean, rstd, gamma -> dx [..., d], dgamma [d], dbeta [d].
 * Both work in place on the backend's heap: rows whose width is a multiple of 4 go through the SIMD
 * functions of layer-norm-simd.ts (reached, as in weight-gradient-kernel.ts, through the Emscripten
 * module's exported memory), other widths, or a heap memory that cannot be imported, through the
 * plain loops of layer-norm-rows.ts. They have no gradients of their own: the forward is wrapped in a
 * customGrad whose gradient is the second kernel (layer-norm.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

import { layerNormRowsBackward, layerNormRowsForward } from './layer-norm-rows';
import { memoryBound } from './heap-module';
import { WasmLayerNorm } from './layer-norm-simd';

import type { HeapBackend, KernelArgs } from '../wasm-batch-matmul';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { RowsShape } from './layer-norm-rows';
import type { WasmMemoryLike } from './weight-gradient';

export const LAYER_NORM_KERNEL = 'SpvitLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'SpvitLayerNormGrad';

function rowsShape(x: TensorInfo): RowsShape {
  const d = x.shape[x.shape.length - 1] as number;
  return { rows: tf.util.sizeFromShape(x.shape) / d, d };
}

type MemoryBackend = HeapBackend & { wasm?: { asm?: { memory?: WasmMemoryLike } } };

const simdFor = memoryBound(WasmLayerNorm.create);

/**
 * Float32 views of the tensors on the heap, and their byte addresses where the SIMD functions can
 * take them (row width a multiple of 4, every view on the imported memory). Call after makeOutput,
 * which may grow (and so detach) the heap.
 */
function heapViews<K extends string>(backend: MemoryBackend, infos: Record<K, TensorInfo>, d: number) {
  const views = {} as Record<K, Float32Array>;
  const addresses = {} as Record<K, number>;
  for (const key of Object.keys(infos) as K[]) {
    views[key] = backend.typedArrayFromHeap(infos[key]) as Float32Array;
    addresses[key] = views[key].byteOffset;
  }
  const kernel = d % 4 === 0 ? simdFor(backend) : null;
  const onMemory = kernel !== null && Object.values<Float32Array>(views).every((view) => view.buffer === kernel.memory.buffer);
  return { views, simd: onMemory ? { kernel, addresses } : null };
}

function layerNormKernel(args: KernelArgs): TensorInfo[] {
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const eps = (args.attrs as { eps: number }).eps;
  const backend = args.backend as MemoryBackend;
  const shape = rowsShape(x);
  const rowShape = x.shape.slice(0, -1);
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput(rowShape, 'float32');
  const rstd = backend.makeOutput(rowShape, 'float32');
  const { views, simd: fast } = heapViews(backend, { x, gamma, beta, y, mean, rstd }, shape.d);
  if (fast === null) layerNormRowsForward(views, shape, eps);
  else fast.kernel.forward(fast.addresses, shape, eps);
  return [y, mean, rstd];
}

function layerNormGradKernel(args: KernelArgs): TensorInfo[] {
  const inputs = args.inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; rstd: TensorInfo; gamma: TensorInfo };
  const backend = args.backend as MemoryBackend;
  const shape = rowsShape(inputs.x);
  const dx = backend.makeOutput(inputs.x.shape, 'float32');
  const dgamma = backend.makeOutput(inputs.gamma.shape, 'float32');
  const dbeta = backend.makeOutput(inputs.gamma.shape, 'float32');
  const { views, simd: fast } = heapViews(backend, { ...inputs, dx, dgamma, dbeta }, shape.d);
  if (fast === null) layerNormRowsBackward(views, shape);
  else fast.kernel.backward(fast.addresses, shape);
  return [dx, dgamma, dbeta];
}

const KERNELS: KernelConfig[] = [
  { kernelName: LAYER_NORM_KERNEL, backendName: 'wasm', kernelFunc: layerNormKernel as KernelConfig['kernelFunc'] },
  { kernelName: LAYER_NORM_GRAD_KERNEL, backendName: 'wasm', kernelFunc: layerNormGradKernel as KernelConfig['kernelFunc'] },
];

let enabled = true;

/**
 * Turns the kernels off (the composite ops take over) or back on, for in-process A/B measurements
 * and parity tests; on by default.
 */
export function allowFusedLayerNorm(allowed: boolean): void {
  enabled = allowed;
}

/**
 * True where the kernels can normalise x [..., d] with gamma and beta [d] now: the active backend is
 * wasm, all three are float32, x is non-empty with rank >= 1. Registers both kernels on first success.
 */
export function canRunLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  if (x.dtype !== 'float32' || gamma.dtype !== 'float32' || beta.dtype !== 'float32') return false;
  const d = x.shape[x.rank - 1];
  if (x.rank === 0 || x.size === 0 || gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== d || beta.shape[0] !== d) return false;
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) tf.registerKernel(config);
  }
  return true;
}

/** [y, mean, rstd] of LayerNorm over x's last axis; check canRunLayerNorm first. */
export function runLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(LAYER_NORM_KERNEL, { x, gamma, beta }, { eps }) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

export interface LayerNormSaved {
  x: tf.Tensor;
  mean: tf.Tensor;
  rstd: tf.Tensor;
  gamma: tf.Tensor;
}

/** [dx, dgamma, dbeta] for the upstream gradient dy of runLayerNorm's y. */
export function runLayerNormGrad(dy: tf.Tensor, saved: LayerNormSaved): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { dy, ...saved }, {}) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}
