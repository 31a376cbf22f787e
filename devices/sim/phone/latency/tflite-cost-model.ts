/**
 * The default latency model of the simulated phone: reads the .tflite graph and prices every
 * operator on the device profile. GEMM-like operators (FULLY_CONNECTED, BATCH_MATMUL, CONV_2D) go
 * through the tiled GEMM model (staircase in the token count, heterogeneous cores, cache vs DRAM
 * bandwidth); the rest are element-wise, reduction or data-movement costs; every operator pays the
 * interpreter's dispatch overhead and, when parallel, a thread-pool barrier.
 */
import { clusterOfCpu } from '../profiles/profile';
import { readTfliteModel, TfliteLoadError } from '../tflite/read-tflite';

import { ModelLoadError } from './estimator';
import { gemmTimeUs } from './gemm-timing';
import { elementwiseTimeUs, isParallelOp } from './op-costs';

import type { SimPhoneProfile } from '../profiles/profile';
import type { TfliteModel, TfliteOperator, TfliteTensor } from '../tflite/read-tflite';
import type { LatencyEstimateOptions, ModelLatencyEstimate, OpLatencyEstimate, WorkerCore } from './estimator';
import type { GemmShape, MemorySystem } from './gemm-timing';

/** Without XNNPACK, TFLite's builtin kernels are slower on fp32. */
const NO_XNNPACK_SLOWDOWN = 1.3;
/** More threads than allowed cores: time slicing and cache thrashing. */
const OVERSUBSCRIPTION_SLOWDOWN = 1.12;
/** Uncore + DRAM power while a model runs, watts. */
const UNCORE_POWER_W = 0.4;
const GPU_POWER_W = 3;

function elements(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * Math.max(dim, 1), 1);
}

function tensorBytes(tensor: TfliteTensor): number {
  return elements(tensor.shape) * tensor.elementBytes;
}

/** The cores the threads land on: the fastest allowed ones, one thread each. */
export function workerCores(profile: SimPhoneProfile, allowedCpus: readonly number[], threads: number): WorkerCore[] {
  const speed = (core: WorkerCore): number => core.cluster.maxFreqKHz * core.cluster.fp32FlopsPerCycle * core.cluster.gemmEfficiency;
  const cores = allowedCpus.map((cpu) => ({ cpu, cluster: clusterOfCpu(profile, cpu) })).sort((a, b) => speed(b) - speed(a) || a.cpu - b.cpu);
  return cores.slice(0, Math.max(1, Math.min(threads, cores.length)));
}

/** The GEMM an operator performs, or null when it is not matrix-multiply shaped. */
export function gemmShapeOf(operator: TfliteOperator, tensors: readonly TfliteTensor[]): GemmShape | null {
  const input = (position: number): TfliteTensor | undefined => {
    const index = operator.inputs[position];
    return index === undefined || index < 0 ? undefined : tensors[index];
  };
  const output = tensors[operator.outputs[0] ?? -1];
  if (output === undefined) return null;
  switch (operator.opcode) {
    case 'FULLY_CONNECTED': {
      const weights = input(1);
      const data = input(0);
      if (weights === undefined || data === undefined || weights.shape.length !== 2) return null;
      const [n, k] = weights.shape as [number, number];
      return { batch: 1, m: Math.round(elements(data.shape) / k), n, k, constantWeights: weights.isConstant };
    }
    case 'BATCH_MATMUL': {
      const x = input(0);
      const y = input(1);
      if (x === undefined || y === undefined || x.shape.length < 2 || y.shape.length < 2) return null;
      const adjX = operator.options?.bool(0) ?? false;
      const adjY = operator.options?.bool(1) ?? false;
      const [xRows, xCols] = x.shape.slice(-2) as [number, number];
      const [yRows, yCols] = y.shape.slice(-2) as [number, number];
      const m = adjX ? xCols : xRows;
      const k = adjX ? xRows : xCols;
      const n = adjY ? yRows : yCols;
      return { batch: Math.max(1, Math.round(elements(output.shape) / (m * n))), m, n, k, constantWeights: y.isConstant };
    }
    case 'CONV_2D': {
      const filter = input(1);
      if (filter === undefined || filter.shape.length !== 4 || output.shape.length !== 4) return null;
      const [cout, kh, kw, cin] = filter.shape as [number, number, number, number];
      const [batch, height, width] = output.shape as [number, number, number, number];
      return { batch: 1, m: batch * height * width, n: cout, k: kh * kw * cin, constantWeights: filter.isConstant };
    }
    default:
      return null;
  }
}

function operatorTimeUs(operator: TfliteOperator, model: TfliteModel, cores: WorkerCore[], memory: MemorySystem): number {
  const gemm = gemmShapeOf(operator, model.tensors);
  if (gemm !== null) return gemmTimeUs(gemm, cores, memory);
  const inputs = operator.inputs.filter((index) => index >= 0).map((index) => model.tensors[index]!);
  const outputs = operator.outputs.map((index) => model.tensors[index]!);
  const outputElements = outputs.reduce((sum, tensor) => sum + elements(tensor.shape), 0);
  if (operator.opcode === 'DEPTHWISE_CONV_2D') {
    const filter = inputs[1];
    const taps = filter === undefined ? 9 : (filter.shape[1] ?? 3) * (filter.shape[2] ?? 3);
    return elementwiseTimeUs({ opcode: 'MUL', inputElements: outputElements * taps, outputElements: outputElements * taps, bytesMoved: outputElements * 8 }, cores, memory);
  }
  const activations = inputs.filter((tensor) => !tensor.isConstant);
  const inputElements = Math.max(0, ...activations.map((tensor) => elements(tensor.shape)));
  const bytesMoved = inputs.reduce((sum, tensor) => sum + tensorBytes(tensor), 0) + outputs.reduce((sum, tensor) => sum + tensorBytes(tensor), 0);
  return elementwiseTimeUs({ opcode: operator.opcode, inputElements, outputElements, bytesMoved }, cores, memory);
}

function nodeName(operator: TfliteOperator, model: TfliteModel): string {
  const names = operator.outputs.map((index) => model.tensors[index]?.name ?? `tensor_${index}`);
  return `[${names.join(', ')}]:${operator.index}`;
}

function gpuEstimate(model: TfliteModel, options: LatencyEstimateOptions, arenaBytes: number): ModelLatencyEstimate {
  const { gpu, memory } = options.profile;
  let flops = 0;
  let bytes = 0;
  for (const operator of model.operators) {
    const gemm = gemmShapeOf(operator, model.tensors);
    if (gemm !== null) flops += 2 * gemm.batch * gemm.m * gemm.n * gemm.k;
    else bytes += operator.outputs.reduce((sum, index) => sum + tensorBytes(model.tensors[index]!), 0) * 2;
  }
  const latencyUs = gpu.perInferenceOverheadUs + flops / (gpu.fp32Gflops * 1000) + bytes / (memory.dramBandwidthGBps * 1000);
  const outputs = model.outputs.map((index) => model.tensors[index]?.name ?? `tensor_${index}`);
  return {
    ops: [{ index: model.operators.length, nodeType: 'TfLiteGpuDelegateV2', name: `[${outputs.join(', ')}]:${model.operators.length}`, latencyUs }],
    totalUs: latencyUs,
    powerW: GPU_POWER_W,
    modelSizeBytes: model.sizeBytes,
    delegate: 'gpu',
    arenaBytes,
  };
}

export function estimateTfliteLatency(modelBytes: Uint8Array, options: LatencyEstimateOptions): ModelLatencyEstimate {
  let model: TfliteModel;
  try {
    model = readTfliteModel(modelBytes);
  } catch (error) {
    if (error instanceof TfliteLoadError) throw new ModelLoadError(error.message);
    throw error;
  }
  if (model.operators.length === 0) throw new ModelLoadError('The model has no operators.');
  const arenaBytes = model.tensors.filter((tensor) => !tensor.isConstant).reduce((sum, tensor) => sum + tensorBytes(tensor), 0) / 2;
  if (options.useGpu) return gpuEstimate(model, options, arenaBytes);
  const { profile } = options;
  const threads = options.threads > 0 ? options.threads : 1;
  const cores = workerCores(profile, options.allowedCpus, threads);
  const memory: MemorySystem = profile.memory;
  const slowdown = (options.useXnnpack ? 1 : NO_XNNPACK_SLOWDOWN) * (threads > options.allowedCpus.length ? OVERSUBSCRIPTION_SLOWDOWN : 1);
  const ops: OpLatencyEstimate[] = model.operators.map((operator) => {
    const parallel = cores.length > 1 && isParallelOp(operator.opcode);
    const overheadUs = profile.runtime.perOpOverheadUs + (parallel ? profile.runtime.threadSyncUs * (cores.length - 1) : 0);
    const computeUs = operatorTimeUs(operator, model, parallel ? cores : cores.slice(0, 1), memory);
    return { index: operator.index, nodeType: operator.opcode, name: nodeName(operator, model), latencyUs: (computeUs + overheadUs) * slowdown };
  });
  const totalUs = ops.reduce((sum, op) => sum + op.latencyUs, 0);
  const powerW = UNCORE_POWER_W + cores.reduce((sum, core) => sum + core.cluster.activePowerW, 0);
  return { ops, totalUs, powerW, modelSizeBytes: model.sizeBytes, delegate: options.useXnnpack ? 'xnnpack' : 'none', arenaBytes };
}
