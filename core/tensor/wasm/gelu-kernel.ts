/**
 * Wasm-backend kernels `SpvitGelu` (y = x Phi(x)) and `SpvitGeluGrad` (dx = dy (Phi(x) + x phi(x))),
 * computed by the SIMD modules of f32-gelu.ts in place on the backend's heap. They reach the heap's
 * WebAssembly.Memory through the Emscripten module's exports (`backend.wasm.asm.memory`,
 * tfjs-backend-wasm 4.x); where that is missing, shared (threaded build) or not the memory the
 * tensors live in, they are unavailable and callers keep their stock path. Neither has a gradient
 * of its own (activations.ts wraps them in a custom gradient).
 */
import * as tf from '@tensorflow/tfjs-core';

import { memoryBound } from './heap-module';
import { WasmGelu } from './gelu';

import type { HeapBackend } from './heap-module';
import type { KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export const GELU_KERNEL = 'SpvitGelu';
export const GELU_GRAD_KERNEL = 'SpvitGeluGrad';

const simdFor = memoryBound(WasmGelu.create);

type Args = { inputs: NamedTensorInfoMap; backend: unknown };

/** The kernel, the output and the byte address of each tensor on the heap (taken after makeOutput, which may grow it). */
function prepare(name: string, args: Args, inputs: TensorInfo[]): { kernel: WasmGelu; output: TensorInfo; addresses: number[] } {
  const backend = args.backend as HeapBackend;
  const kernel = simdFor(backend);
  if (kernel === null) throw new Error(`${name} needs the wasm backend's (unshared) memory.`);
  const output = backend.makeOutput([...(inputs[0] as TensorInfo).shape], 'float32');
  const addresses = [...inputs, output].map((info) => {
    const view = backend.typedArrayFromHeap(info);
    if (view.buffer !== kernel.memory.buffer) throw new Error(`${name}: a tensor is not on the heap's memory.`);
    return view.byteOffset;
  });
  return { kernel, output, addresses };
}

function geluKernel(args: Args): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const { kernel, output, addresses } = prepare(GELU_KERNEL, args, [x]);
  const [xAt, yAt] = addresses as [number, number];
  kernel.gelu(xAt, yAt, tf.util.sizeFromShape(x.shape));
  return output;
}

function geluGradKernel(args: Args): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { kernel, output, addresses } = prepare(GELU_GRAD_KERNEL, args, [x, dy]);
  const [xAt, dyAt, dxAt] = addresses as [number, number, number];
  kernel.geluGrad({ x: xAt, dy: dyAt, dx: dxAt }, tf.util.sizeFromShape(x.shape));
  return output;
}

/**
 * True where the kernels can take x now: the active backend is wasm with an importable heap memory
 * and x is float32. Registers both kernels on first success.
 */
export function canRunGelu(x: tf.Tensor): boolean {
  if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32') return false;
  if (simdFor(tf.backend() as unknown as HeapBackend) === null) return false;
  if (tf.getKernel(GELU_KERNEL, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: GELU_KERNEL, backendName: 'wasm', kernelFunc: geluKernel as unknown as KernelConfig['kernelFunc'] });
    tf.registerKernel({ kernelName: GELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: geluGradKernel as unknown as KernelConfig['kernelFunc'] });
  }
  return true;
}

/** x Phi(x); check canRunGelu first. */
export function runGelu(x: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU_KERNEL, { x }) as tf.Tensor;
}

/** dy (Phi(x) + x phi(x)) for dy of x's shape; check canRunGelu(x) first (dy must be float32 too). */
export function runGeluGrad(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU_GRAD_KERNEL, { x, dy }) as tf.Tensor;
}
