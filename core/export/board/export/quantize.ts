/**
 * Float parameters to the package's integers: per-output-channel int8 weights, LayerNorm affine
 * folded into the next linear layer, int32 biases in accumulator units, requantisation tensors.
 */
import { StudioError } from '../../../shared/errors';
import { fixedMultiplier, INT32_MAX, INT8_MAX } from '../integer-math';

import { gptqRound } from './gptq';

import type { Fixed, LinearParams, Requant } from '../package-format';
import type { InputMoments } from './gptq';
import type { NamedTensor } from '../package-io';

/** A float linear layer in timm's layout: weight [out][in] row-major, bias [out]. */
export interface FloatLinear {
  weight: Float32Array;
  bias: Float32Array;
  inFeatures: number;
  outFeatures: number;
}

/** W diag(gamma) and b + W beta: LayerNorm's affine moved into the layer that reads it. */
export function foldNorm(linear: FloatLinear, gamma: Float32Array, beta: Float32Array): FloatLinear {
  const { inFeatures, outFeatures } = linear;
  const weight = new Float32Array(linear.weight.length);
  const bias = Float32Array.from(linear.bias);
  for (let o = 0; o < outFeatures; o++) {
    let shift = 0;
    for (let i = 0; i < inFeatures; i++) {
      const w = linear.weight[o * inFeatures + i] as number;
      weight[o * inFeatures + i] = w * (gamma[i] as number);
      shift += w * (beta[i] as number);
    }
    bias[o] = (bias[o] as number) + shift;
  }
  return { weight, bias, inFeatures, outFeatures };
}

/** Multiplies output channel o by scale[o] (LayerScale folded into proj / fc2). */
export function scaleOutputs(linear: FloatLinear, scale: Float32Array): FloatLinear {
  const { inFeatures } = linear;
  return {
    ...linear,
    weight: linear.weight.map((w, i) => w * (scale[Math.floor(i / inFeatures)] as number)),
    bias: linear.bias.map((b, o) => b * (scale[o] as number)),
  };
}

export interface QuantizedLinear {
  weight: Int8Array;
  bias: Int32Array;
  /** Real value of one unit of weight row o. */
  weightScales: Float64Array;
  /** Real value of one accumulator unit of output o (input scale times weight scale). */
  accScales: Float64Array;
}

/**
 * Symmetric int8 per output channel (scale = max |w| / 127), rounded to nearest or, given the
 * layer's input moments, with GPTQ's error compensation; bias in accumulator units.
 */
export function quantizeLinear(linear: FloatLinear, inputScale: number, name: string, moments: InputMoments | null = null): QuantizedLinear {
  const { inFeatures, outFeatures } = linear;
  const weight = new Int8Array(linear.weight.length);
  const weightScales = new Float64Array(outFeatures);
  const accScales = new Float64Array(outFeatures);
  const bias = new Int32Array(outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    let max = 0;
    for (let i = 0; i < inFeatures; i++) max = Math.max(max, Math.abs(linear.weight[o * inFeatures + i] as number));
    const scale = max > 0 ? max / INT8_MAX : 1;
    weightScales[o] = scale;
    for (let i = 0; i < inFeatures; i++) weight[o * inFeatures + i] = Math.round((linear.weight[o * inFeatures + i] as number) / scale);
    accScales[o] = inputScale * scale;
  }
  if (moments !== null) weight.set(gptqRound(linear.weight, weightScales, moments));
  for (let o = 0; o < outFeatures; o++) {
    const value = Math.round((linear.bias[o] as number) / (accScales[o] as number));
    if (!Number.isFinite(value) || Math.abs(value) > INT32_MAX) {
      throw new StudioError('export/failed', `The bias of ${name}[${o}] does not fit in int32 at the calibrated input scale.`, {
        details: { layer: name, channel: o },
        hint: 'Calibrate on more images, or images closer to the training data.',
      });
    }
    bias[o] = value;
  }
  return { weight, bias, weightScales, accScales };
}

/** Collects the package's tensors and names them. */
export class TensorTable {
  readonly tensors = new Map<string, NamedTensor>();

  add(name: string, tensor: NamedTensor): string {
    if (this.tensors.has(name)) throw new StudioError('internal/bug', `Tensor '${name}' added twice.`);
    this.tensors.set(name, tensor);
    return name;
  }

  linear(name: string, linear: FloatLinear, quantized: QuantizedLinear): LinearParams {
    return {
      weight: this.add(`${name}.weight`, { dtype: 'int8', shape: [linear.outFeatures, linear.inFeatures], data: quantized.weight }),
      bias: this.add(`${name}.bias`, { dtype: 'int32', shape: [linear.outFeatures], data: quantized.bias }),
      inFeatures: linear.inFeatures,
      outFeatures: linear.outFeatures,
    };
  }

  /** One fixed multiplier per real factor (or a single one). */
  requant(name: string, factors: ArrayLike<number>): Requant {
    const fixed = Array.from(factors, (factor) => fixedMultiplier(factor));
    return {
      multiplier: this.add(`${name}.multiplier`, { dtype: 'int32', shape: [fixed.length], data: Int32Array.from(fixed, (f) => f.multiplier) }),
      shift: this.add(`${name}.shift`, { dtype: 'int8', shape: [fixed.length], data: Int8Array.from(fixed, (f) => f.shift) }),
    };
  }
}

export function fixed(real: number): Fixed {
  return fixedMultiplier(real);
}
