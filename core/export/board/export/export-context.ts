/**
 * What the per-unit exporters share: the float parameters by timm key, the tensor table, the
 * calibrated scales and the constants of the integer units.
 */
import { StudioError } from '../../../shared/errors';
import { fixedMultiplier, fixedMultiplierInRange, INT16_MAX, INT8_MAX } from '../integer-math';
import { LOG2_E, Q15_ONE, activationMax } from '../nonlinear';

import { quantizeLinear } from './quantize';

import type { HostTensor } from '../../../tensor/host-tensor';
import type { RangeObserver, RangeRule } from '../calibration/range-observer';
import type { ArithmeticSpec } from '../nonlinear';
import type { GeluParams, LayerNormParams, LinearGeluParams } from '../package-format';
import type { InputMoments } from './gptq';
import type { FloatLinear, QuantizedLinear, TensorTable } from './quantize';

/** Headroom over the largest calibrated residual value (int16 has precision to spare; clipping it is costly). */
export const RESIDUAL_HEADROOM = 1.25;
/** Headroom of 12-bit activations over their calibrated range. */
export const WIDE_ACTIVATION_HEADROOM = 1.25;
/** Headroom of GELU inputs over their calibrated maximum. */
export const GELU_HEADROOM = 1.5;

export interface ExportContextParts {
  weights: ReadonlyMap<string, HostTensor>;
  table: TensorTable;
  observer: RangeObserver;
  rule: RangeRule;
  arithmetic: ArithmeticSpec;
  /** Input moments per linear layer (timm key prefix): GPTQ rounding where present, else nearest. */
  moments: ReadonlyMap<string, InputMoments>;
}

export class ExportContext {
  private readonly weights: ReadonlyMap<string, HostTensor>;
  readonly table: TensorTable;
  private readonly observer: RangeObserver;
  private readonly rule: RangeRule;
  readonly arithmetic: ArithmeticSpec;
  private readonly moments: ReadonlyMap<string, InputMoments>;

  constructor(parts: ExportContextParts) {
    ({ weights: this.weights, table: this.table, observer: this.observer, rule: this.rule, arithmetic: this.arithmetic, moments: this.moments } = parts);
  }

  /** Quantises a layer (keyed by its timm prefix), with GPTQ rounding when its input moments are known. */
  quantize(key: string, linear: FloatLinear, inputScale: number): QuantizedLinear {
    const moments = this.moments.get(key);
    return quantizeLinear(linear, inputScale, key, moments !== undefined && moments.size === linear.inFeatures ? moments : null);
  }

  tensor(key: string): Float32Array {
    const found = this.weights.get(key);
    if (found === undefined) {
      throw new StudioError('export/failed', `The model has no parameter '${key}' to export.`, { hint: 'Export a model built by the studio (timm key names).' });
    }
    return found.data;
  }

  has(key: string): boolean {
    return this.weights.has(key);
  }

  /** A float linear layer by key prefix; a missing bias is zero. */
  linear(prefix: string): FloatLinear {
    const weight = this.weights.get(`${prefix}.weight`);
    if (weight === undefined) return this.missing(prefix);
    const [outFeatures, ...rest] = weight.shape as [number, ...number[]];
    const inFeatures = rest.reduce((product, size) => product * size, 1);
    const bias = this.weights.get(`${prefix}.bias`)?.data ?? new Float32Array(outFeatures);
    return { weight: weight.data, bias, inFeatures, outFeatures };
  }

  /**
   * Scale of an activation point: range by the calibration rule over the activations' largest
   * value; 12-bit activations get 25% headroom (they have resolution to spare, clipping costs more).
   */
  activationScale(point: string): number {
    const headroom = this.arithmetic.activationBits > 8 ? WIDE_ACTIVATION_HEADROOM : 1;
    return (this.observer.range(point, this.rule) * headroom) / activationMax(this.arithmetic.activationBits);
  }

  /** Scale of the int8 input image. */
  inputScale(): number {
    return this.observer.range('input', this.rule) / INT8_MAX;
  }

  /** Scale of an int16 residual point (max with headroom / 32767). */
  residualScale(point: string): number {
    return (this.observer.max(point) * RESIDUAL_HEADROOM) / INT16_MAX;
  }

  /** Fraction bits of a GELU input: the most that keep the calibrated maximum (with headroom) in int16. */
  geluFracBits(point: string): number {
    const max = Math.max(this.observer.max(point) * GELU_HEADROOM, 1e-6);
    return Math.max(0, Math.min(15, Math.floor(Math.log2(INT16_MAX / max))));
  }

  layerNorm(width: number, eps: number, inputScale: number, outputScale: number): LayerNormParams {
    const gain = fixedMultiplierInRange((16 * Math.sqrt(width)) / outputScale, -8, 22);
    return { epsTerm: Math.round((width * eps) / inputScale ** 2), gain };
  }

  gelu(fracBits: number): GeluParams {
    const clip = Math.round(this.arithmetic.geluClip * 2 ** fracBits);
    return { clip, toUnit: fixedMultiplier(Q15_ONE / clip) };
  }

  /** Factor from accumulator units to the base-2 exponent domain, Q(expFracBits). */
  exponentFactor(accScale: number): number {
    return accScale * LOG2_E * 2 ** this.arithmetic.expFracBits;
  }

  /**
   * Linear -> GELU -> int8: `inPoint`/`outPoint` are the calibration points of the GELU's input and
   * output. Returns the params and the output scale.
   */
  linearGelu(name: string, linear: FloatLinear, inputScale: number, points: { inPoint: string; outPoint: string }): { params: LinearGeluParams; outputScale: number } {
    const quantized = this.quantize(name, linear, inputScale);
    const fracBits = this.geluFracBits(points.inPoint);
    const outputScale = this.activationScale(points.outPoint);
    return {
      params: {
        linear: this.table.linear(name, linear, quantized),
        toGelu: this.table.requant(`${name}.to_gelu`, Array.from(quantized.accScales, (scale) => scale * 2 ** fracBits)),
        gelu: this.gelu(fracBits),
        toOutput: fixedMultiplier(2 ** -fracBits / outputScale),
      },
      outputScale,
    };
  }

  private missing(prefix: string): never {
    throw new StudioError('export/failed', `The model has no linear layer '${prefix}' to export.`, { hint: 'Export a model built by the studio (timm key names).' });
  }
}
