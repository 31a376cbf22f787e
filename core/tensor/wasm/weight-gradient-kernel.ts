/**
 * A wasm-backend kernel `SpvitWeightGradient`: G = x^T dy for x [rows, in], dy [rows, out] (and,
 * with `withSums`, the column sums of dy as a second output), computed by the SIMD module of
 * f32-weight-gradient.ts in place on the backend's heap. It reaches the heap's WebAssembly.Memory
 * through the Emscripten module's exports (`backend.wasm.asm.memory`, tfjs-backend-wasm 4.x); where
 * that is missing, shared (threaded build) or not the memory the tensors live in, it is unavailable
 * and callers keep their stock path. It has no gradient of its own (used inside gradient functions).
 */
import * as tf from '@tensorflow/tfjs-core';

import { memoryBound } from './heap-module';
import { WasmWeightGradient } from './weight-gradient';

import type { HeapBackend } from './heap-module';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export const WEIGHT_GRADIENT_KERNEL = 'SpvitWeightGradient';

const simdFor = memoryBound(WasmWeightGradient.create);

type Args = { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown };

function weightGradientKernel(args: Args): TensorInfo[] {
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const withSums = (args.attrs as { withSums?: boolean } | undefined)?.withSums === true;
  const backend = args.backend as HeapBackend;
  const kernel = simdFor(backend);
  if (kernel === null) throw new Error(`${WEIGHT_GRADIENT_KERNEL} needs the wasm backend's (unshared) memory.`);
  const [rows, inFeatures] = x.shape as [number, number];
  const outFeatures = dy.shape[1] as number;
  const g = backend.makeOutput([inFeatures, outFeatures], 'float32');
  const sums = withSums ? backend.makeOutput([outFeatures], 'float32') : null;
  // Views are taken after makeOutput, which may grow the heap.
  const address = (info: TensorInfo) => {
    const view = backend.typedArrayFromHeap(info);
    if (view.buffer !== kernel.memory.buffer) throw new Error(`${WEIGHT_GRADIENT_KERNEL}: a tensor is not on the heap's memory.`);
    return view.byteOffset;
  };
  kernel.compute(
    { x: address(x), dy: address(dy), g: address(g), ...(sums === null ? {} : { sums: address(sums) }) },
    { rows, inFeatures, outFeatures },
  );
  return sums === null ? [g] : [g, sums];
}

/**
 * True where the kernel can take x [rows, in] and dy [rows, out] now: the active backend is wasm with
 * an importable heap memory, both are float32 and non-empty, and out is a multiple of 4. Registers
 * the kernel on first success.
 */
export function canRunWeightGradient(x: tf.Tensor2D, dy: tf.Tensor2D): boolean {
  if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || dy.dtype !== 'float32') return false;
  const [rows, inFeatures] = x.shape;
  const outFeatures = dy.shape[1];
  if (rows === 0 || inFeatures === 0 || outFeatures % 4 !== 0 || outFeatures === 0 || dy.shape[0] !== rows) return false;
  if (simdFor(tf.backend() as unknown as HeapBackend) === null) return false;
  if (tf.getKernel(WEIGHT_GRADIENT_KERNEL, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: WEIGHT_GRADIENT_KERNEL, backendName: 'wasm', kernelFunc: weightGradientKernel as KernelConfig['kernelFunc'] });
  }
  return true;
}

/** x^T dy [in, out] and, with withSums, dy's column sums [out]; check canRunWeightGradient first. */
export function runWeightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, withSums: boolean): [tf.Tensor2D, tf.Tensor1D | null] {
  const outputs = tf.engine().runKernel(WEIGHT_GRADIENT_KERNEL, { x, dy }, { withSums }) as unknown as tf.Tensor[];
  return [outputs[0] as tf.Tensor2D, withSums ? (outputs[1] as tf.Tensor1D) : null];
}
