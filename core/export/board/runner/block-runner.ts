/**
 * One transformer block in integers: LayerNorm -> qkv -> per-head q.k -> integer softmax -> p.v ->
 * proj -> residual; LayerNorm -> fc1 -> GELU -> fc2 -> residual. Tokens are int16 [tokens][dim].
 */
import { clampSymmetric, requantize } from '../integer-math';
import { softmaxRow } from '../nonlinear';

import { applyLinear, applyLinearGelu, layerNormRows, requantToActivations, residualUpdate } from './prepared';

import type { MatmulKernel } from '../kernels/matmul';
import type { ArithmeticSpec, Exp2Fn, LayerNormConstants } from '../nonlinear';
import type { BlockParams, Fixed } from '../package-format';
import type { PreparedLinear, PreparedLinearGelu, PreparedRequant, TensorBinder } from './prepared';

/** What every unit runs with: the matmul kernel, the arithmetic constants and the tabulated exp. */
export interface RunContext {
  kernel: MatmulKernel;
  arithmetic: ArithmeticSpec;
  exp2: Exp2Fn;
  activationMax: number;
}

export interface BlockDims {
  dim: number;
  heads: number;
  hidden: number;
}

export interface PreparedBlock {
  norm1: LayerNormConstants;
  qkv: PreparedLinear;
  qkvToActivation: PreparedRequant;
  scoreToExponent: Fixed;
  contextToActivation: Fixed;
  proj: PreparedLinear;
  projToResidual: PreparedRequant;
  skip1: Fixed;
  norm2: LayerNormConstants;
  fc1: PreparedLinearGelu;
  fc2: PreparedLinear;
  fc2ToResidual: PreparedRequant;
  skip2: Fixed;
}

export function prepareBlock(binder: TensorBinder, params: BlockParams, dims: BlockDims): PreparedBlock {
  const { dim, hidden } = dims;
  return {
    norm1: binder.layerNorm(params.norm1),
    qkv: binder.linear(params.qkv, dim, 3 * dim),
    qkvToActivation: binder.requant(params.qkvToActivation, 3 * dim),
    scoreToExponent: params.scoreToExponent,
    contextToActivation: params.contextToActivation,
    proj: binder.linear(params.proj, dim, dim),
    projToResidual: binder.requant(params.projToResidual, dim),
    skip1: params.skip1,
    norm2: binder.layerNorm(params.norm2),
    fc1: binder.linearGelu(params.fc1, dim, hidden),
    fc2: binder.linear(params.fc2, hidden, dim),
    fc2ToResidual: binder.requant(params.fc2ToResidual, dim),
    skip2: params.skip2,
  };
}

/** Columns [section * dim + head * headDim, + headDim) of every row of qkv [tokens][3 dim]. */
/** Columns [column, column + headDim) of every row of qkv [tokens][3 dim]. */
function headSlice(qkv: Int16Array, shape: { tokens: number; dim: number; headDim: number }, column: number): Int16Array {
  const { tokens, dim, headDim } = shape;
  const out = new Int16Array(tokens * headDim);
  for (let t = 0; t < tokens; t++) out.set(qkv.subarray(t * 3 * dim + column, t * 3 * dim + column + headDim), t * headDim);
  return out;
}

function transpose(values: Int16Array, rows: number, cols: number): Int16Array {
  const out = new Int16Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c] as number;
  return out;
}

/** Multi-head self-attention on the normalised tokens; returns the int8 context [tokens][dim]. */
function attention(run: RunContext, input: { qkv: Int16Array; tokens: number }, dims: BlockDims, block: PreparedBlock): Int16Array {
  const { kernel, arithmetic, exp2 } = run;
  const { qkv, tokens } = input;
  const { dim, heads } = dims;
  const headDim = dim / heads;
  const slice = { tokens, dim, headDim };
  const context = new Int16Array(tokens * dim);
  const scores = new Int32Array(tokens * tokens);
  const probabilities = new Int32Array(tokens * tokens);
  const mixed = new Int32Array(tokens * headDim);
  for (let h = 0; h < heads; h++) {
    const q = headSlice(qkv, slice, h * headDim);
    const k = headSlice(qkv, slice, dim + h * headDim);
    const vT = transpose(headSlice(qkv, slice, 2 * dim + h * headDim), tokens, headDim);
    kernel.multiplyDynamic(q, k, { rows: tokens, inner: headDim, cols: tokens }, scores);
    for (let i = 0; i < tokens; i++) {
      softmaxRow({ values: scores, start: i * tokens, length: tokens, out: probabilities, outStart: i * tokens }, block.scoreToExponent, exp2, arithmetic.probBits);
    }
    kernel.multiplyDynamic(probabilities, vT, { rows: tokens, inner: tokens, cols: headDim }, mixed);
    const { multiplier, shift } = block.contextToActivation;
    for (let t = 0; t < tokens; t++) {
      for (let j = 0; j < headDim; j++) context[t * dim + h * headDim + j] = clampSymmetric(requantize(mixed[t * headDim + j] as number, multiplier, shift), run.activationMax);
    }
  }
  return context;
}

export function runBlock(run: RunContext, input: { x: Int16Array; tokens: number }, dims: BlockDims, block: PreparedBlock): Int16Array {
  const { dim } = dims;
  const { kernel } = run;
  const { x, tokens } = input;
  const normed = layerNormRows(x, tokens, dim, block.norm1);
  const qkv = requantToActivations(applyLinear(kernel, normed, tokens, block.qkv), 3 * dim, block.qkvToActivation, run.activationMax);
  const context = attention(run, { qkv, tokens }, dims, block);
  const afterAttention = residualUpdate({ x, acc: applyLinear(kernel, context, tokens, block.proj), channels: dim }, block.skip1, block.projToResidual);
  const hidden = applyLinearGelu(kernel, layerNormRows(afterAttention, tokens, dim, block.norm2), tokens, block.fc1);
  return residualUpdate({ x: afterAttention, acc: applyLinear(kernel, hidden, tokens, block.fc2), channels: dim }, block.skip2, block.fc2ToResidual);
}
