/**
 * Wasm-backend kernels `SpvitMaskedSoftmax` (SPViT's softmax under a keep policy) and
 * `SpvitMaskedSoftmaxGrad` (the gradients of its scores and policy), computed by the SIMD modules of
 * f32-masked-softmax.ts in place on the backend's heap (reached as in gelu-kernel.ts). Neither has a
 * gradient of its own (core/spvit/masked-softmax.ts wraps them in a custom gradient).
 */
import * as tf from '@tensorflow/tfjs-core';

import { memoryBound } from './heap-module';
import { WasmMaskedSoftmax } from './masked-softmax';

import type { MaskedSoftmaxShape } from './masked-softmax';
import type { HeapBackend } from './heap-module';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export const MASKED_SOFTMAX_KERNEL = 'SpvitMaskedSoftmax';
export const MASKED_SOFTMAX_GRAD_KERNEL = 'SpvitMaskedSoftmaxGrad';

const simdFor = memoryBound(WasmMaskedSoftmax.create);

type Args = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

/** The kernel, the outputs and the byte address of each input then output (taken after makeOutput, which may grow the heap). */
function prepare(name: string, args: Args, inputs: TensorInfo[], outputShapes: number[][]): { kernel: WasmMaskedSoftmax; outputs: TensorInfo[]; addresses: number[] } {
  const backend = args.backend as HeapBackend;
  const kernel = simdFor(backend);
  if (kernel === null) throw new Error(`${name} needs the wasm backend's (unshared) memory.`);
  const outputs = outputShapes.map((shape) => backend.makeOutput(shape, 'float32'));
  const addresses = [...inputs, ...outputs].map((info) => {
    const view = backend.typedArrayFromHeap(info);
    if (view.buffer !== kernel.memory.buffer) throw new Error(`${name}: a tensor is not on the heap's memory.`);
    return view.byteOffset;
  });
  return { kernel, outputs, addresses };
}

function shapeOf(scores: TensorInfo): MaskedSoftmaxShape {
  const [batch, heads, queries, keys] = scores.shape as [number, number, number, number];
  return { batch, heads, queries, keys };
}

function forwardKernel(args: Args): TensorInfo {
  const scores = args.inputs.scores as TensorInfo;
  const policy = args.inputs.policy as TensorInfo;
  const { kernel, outputs, addresses } = prepare(MASKED_SOFTMAX_KERNEL, args, [scores, policy], [[...scores.shape]]);
  const [scoresAt, policyAt, outAt] = addresses as [number, number, number];
  kernel.softmax({ scores: scoresAt, policy: policyAt, out: outAt }, shapeOf(scores), args.attrs?.eps as number);
  return outputs[0] as TensorInfo;
}

function gradientKernel(args: Args): TensorInfo[] {
  const scores = args.inputs.scores as TensorInfo;
  const policy = args.inputs.policy as TensorInfo;
  const dOut = args.inputs.dOut as TensorInfo;
  const { kernel, outputs, addresses } = prepare(MASKED_SOFTMAX_GRAD_KERNEL, args, [scores, policy, dOut], [[...scores.shape], [...policy.shape]]);
  const [scoresAt, policyAt, dOutAt, dScores, dPolicy] = addresses as [number, number, number, number, number];
  kernel.softmaxGrad({ scores: scoresAt, policy: policyAt, dOut: dOutAt, dScores, dPolicy }, shapeOf(scores), args.attrs?.eps as number);
  return outputs;
}

/**
 * True where the kernels can take these tensors now: the active backend is wasm with an importable
 * heap memory, both are float32, scores is [B, H, Nq, N] and policy [B, N] with Nq <= N. Registers
 * both kernels on first success.
 */
export function canRunMaskedSoftmax(scores: tf.Tensor, policy: tf.Tensor): boolean {
  if (tf.getBackend() !== 'wasm' || scores.dtype !== 'float32' || policy.dtype !== 'float32') return false;
  const [batch, , queries, keys] = scores.shape;
  if (scores.rank !== 4 || policy.rank !== 2 || policy.shape[0] !== batch || policy.shape[1] !== keys || (queries as number) > (keys as number)) return false;
  if (simdFor(tf.backend() as unknown as HeapBackend) === null) return false;
  if (tf.getKernel(MASKED_SOFTMAX_KERNEL, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: MASKED_SOFTMAX_KERNEL, backendName: 'wasm', kernelFunc: forwardKernel as unknown as KernelConfig['kernelFunc'] });
    tf.registerKernel({ kernelName: MASKED_SOFTMAX_GRAD_KERNEL, backendName: 'wasm', kernelFunc: gradientKernel as unknown as KernelConfig['kernelFunc'] });
  }
  return true;
}

/** softmaxWithPolicy(scores, policy, eps); check canRunMaskedSoftmax first. */
export function runMaskedSoftmax(scores: tf.Tensor, policy: tf.Tensor, eps: number): tf.Tensor {
  return tf.engine().runKernel(MASKED_SOFTMAX_KERNEL, { scores, policy }, { eps }) as tf.Tensor;
}

/** [dScores, dPolicy] given dOut (float32, scores' shape); check canRunMaskedSoftmax first. */
export function runMaskedSoftmaxGrad(scores: tf.Tensor, policy: tf.Tensor, dOut: tf.Tensor, eps: number): [tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(MASKED_SOFTMAX_GRAD_KERNEL, { scores, policy, dOut }, { eps }) as unknown as [tf.Tensor, tf.Tensor];
}
