/**
 * The package's parameters bound to their tensors (checked once, when a runner is made), and the
 * row-wise integer steps every unit is built from: linear layers, requantisation, GELU, LayerNorm.
 */
import { StudioError } from '../../../shared/errors';
import { INT16_MAX, clampSymmetric, requantize, sat16 } from '../integer-math';
import { activationMax, geluFixed, layerNormRow, tabulatedExp2 } from '../nonlinear';

import type { MatmulKernel, MatmulWeights } from '../kernels/matmul';
import type { ArithmeticSpec, Exp2Fn, LayerNormConstants } from '../nonlinear';
import type { FixedPointPackage, LayerNormParams, LinearGeluParams, LinearParams, PackageDtype, PackageTensor, Requant } from '../package-format';

export interface PreparedLinear {
  weights: MatmulWeights;
  bias: Int32Array;
  inFeatures: number;
  outFeatures: number;
}

/** Per-channel multipliers and shifts; `channels` is 1 for a per-tensor requantisation. */
export interface PreparedRequant {
  multiplier: Int32Array;
  shift: Int8Array;
  channels: number;
}

export interface PreparedLinearGelu {
  linear: PreparedLinear;
  toGelu: PreparedRequant;
  /** The activation for every int16 GELU input (index input + 32767): GELU and requantisation, tabulated. */
  table: Int16Array;
}

function mismatch(message: string): StudioError {
  return new StudioError('data/corrupt', `The fixed-point package is inconsistent: ${message}`, { hint: 'Export the package again.' });
}

/** Looks tensors up by name and checks their dtype and element count. */
export class TensorBinder {
  readonly exp2: Exp2Fn;
  /** Saturation of every activation the matrix units read. */
  readonly activationMax: number;

  constructor(private readonly pkg: FixedPointPackage, readonly kernel: MatmulKernel, readonly arithmetic: ArithmeticSpec) {
    this.exp2 = tabulatedExp2(arithmetic);
    this.activationMax = activationMax(arithmetic.activationBits);
  }

  layerNorm(params: LayerNormParams): LayerNormConstants {
    return { ...params, outMax: this.activationMax };
  }

  tensor(name: string, dtype: PackageDtype, length: number): PackageTensor {
    const data = this.pkg.tensors.get(name);
    const entry = this.pkg.header.tensors.find((candidate) => candidate.name === name);
    if (data === undefined || entry === undefined) throw mismatch(`tensor '${name}' is missing.`);
    if (entry.dtype !== dtype || data.length !== length) throw mismatch(`tensor '${name}' is ${entry.dtype} x${data.length}, expected ${dtype} x${length}.`);
    return data;
  }

  linear(params: LinearParams, inFeatures: number, outFeatures: number): PreparedLinear {
    if (params.inFeatures !== inFeatures || params.outFeatures !== outFeatures) {
      throw mismatch(`linear '${params.weight}' is ${params.outFeatures}x${params.inFeatures}, expected ${outFeatures}x${inFeatures}.`);
    }
    const weight = this.tensor(params.weight, 'int8', inFeatures * outFeatures) as Int8Array;
    return {
      weights: this.kernel.constant(weight, outFeatures, inFeatures),
      bias: this.tensor(params.bias, 'int32', outFeatures) as Int32Array,
      inFeatures,
      outFeatures,
    };
  }

  requant(params: Requant, channels: number): PreparedRequant {
    const entry = this.pkg.header.tensors.find((candidate) => candidate.name === params.multiplier);
    const length = entry?.shape.reduce((product, size) => product * size, 1) === 1 ? 1 : channels;
    const multiplier = this.tensor(params.multiplier, 'int32', length) as Int32Array;
    const shift = this.tensor(params.shift, 'int8', length) as Int8Array;
    if (multiplier.some((value) => value < 0 || value > 32767) || shift.some((value) => value < 0 || value > 52)) {
      throw mismatch(`requantisation '${params.multiplier}' has a multiplier or shift out of range.`);
    }
    return { multiplier, shift, channels: length };
  }

  linearGelu(params: LinearGeluParams, inFeatures: number, outFeatures: number): PreparedLinearGelu {
    const { multiplier, shift } = params.toOutput;
    const max = this.activationMax;
    const table = Int16Array.from({ length: 2 * INT16_MAX + 1 }, (_, i) => clampSymmetric(requantize(geluFixed(i - INT16_MAX, params.gelu, this.arithmetic), multiplier, shift), max));
    return { linear: this.linear(params.linear, inFeatures, outFeatures), toGelu: this.requant(params.toGelu, outFeatures), table };
  }
}

/** acc [rows][out] = x W^T + bias. */
export function applyLinear(kernel: MatmulKernel, x: ArrayLike<number>, rows: number, linear: PreparedLinear): Int32Array {
  const out = new Int32Array(rows * linear.outFeatures);
  kernel.multiply(x, rows, linear.weights, out);
  const { bias, outFeatures } = linear;
  for (let r = 0; r < rows; r++) {
    const base = r * outFeatures;
    for (let c = 0; c < outFeatures; c++) out[base + c] = (out[base + c] as number) + (bias[c] as number);
  }
  return out;
}

/** The requantised value of accumulator `value` in channel `channel`. */
export function requantChannel(value: number, requant: PreparedRequant, channel: number): number {
  const index = requant.channels === 1 ? 0 : channel;
  return requantize(value, requant.multiplier[index] as number, requant.shift[index] as number);
}

/** Requantises [rows][channels] accumulators to activations (|a| <= max). */
export function requantToActivations(acc: Int32Array, channels: number, requant: PreparedRequant, max: number): Int16Array {
  const out = new Int16Array(acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = clampSymmetric(requantChannel(acc[i] as number, requant, i % channels), max);
  return out;
}

/** linear -> requantise to the int16 GELU input -> GELU (fixed point) -> requantise to an activation. */
export function applyLinearGelu(kernel: MatmulKernel, x: ArrayLike<number>, rows: number, unit: PreparedLinearGelu): Int16Array {
  const acc = applyLinear(kernel, x, rows, unit.linear);
  const channels = unit.linear.outFeatures;
  const out = new Int16Array(acc.length);
  const { table } = unit;
  for (let i = 0; i < acc.length; i++) out[i] = table[sat16(requantChannel(acc[i] as number, unit.toGelu, i % channels)) + INT16_MAX] as number;
  return out;
}

/** LayerNorm of every row of an int16 [rows][width] tensor. */
export function layerNormRows(x: Int16Array, rows: number, width: number, constants: LayerNormConstants): Int16Array {
  const out = new Int16Array(rows * width);
  for (let r = 0; r < rows; r++) layerNormRow({ values: x, start: r * width, length: width, out, outStart: r * width }, constants);
  return out;
}

/** x' = sat16(requant(x, skip) + requant(acc, branch)) over [rows][channels] (x and acc alike). */
export function residualUpdate(input: { x: Int16Array; acc: Int32Array; channels: number }, skip: { multiplier: number; shift: number }, branch: PreparedRequant): Int16Array {
  const { x, acc, channels } = input;
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    out[i] = sat16(requantize(x[i] as number, skip.multiplier, skip.shift) + requantChannel(acc[i] as number, branch, i % channels));
  }
  return out;
}
