/**
 * What the per-unit exporters share: the float parameters by timm key, the tensor table, the
 * calibrated scales and the constants of the integer units.
 */
import { StudioError } from '../../../shared/errors';
import { fixedMultiplier, INT16_MAX, INT8_MAX } from '../integer-math';
import { LOG2_E, Q15_ONE } from '../nonlinear';

import { quantizeLinear } from './quantize';

import type { HostTensor } from '../../../tensor/host-tensor';
import type { RangeObserver, RangeRule } from '../calibration/range-observer';
import type { ArithmeticSpec } from '../nonlinear';
import type { GeluParams, LayerNormParams, LinearGeluParams } from '../package-format';
import type { FloatLinear, TensorTable } from './quantize';

/** Headroom over the largest calibrated residual value (int16 has precision to spare; clipping it is costly). */
export const RESIDUAL_HEADROOM = 1.25;
/** Headroom of GELU inputs over their calibrated maximum. */
export const GELU_HEADROOM = 1.5;

export class ExportContext {
  constructor(
    private readonly weights: ReadonlyMap<string, HostTensor>,
    readonly table: TensorTable,
    private readonly observer: RangeObserver,
    private readonly rule: RangeRule,
    readonly arithmetic: ArithmeticSpec,
  ) {}

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

  /** Scale of an int8 activation point (range by the calibration rule / 127). */
  int8Scale(point: string): number {
    return this.observer.range(point, this.rule) / INT8_MAX;
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
    const gain = fixedMultiplier((16 * Math.sqrt(width)) / outputScale);
    if (gain.shift > 22) {
      throw new StudioError('export/failed', 'A LayerNorm output scale is too large for the integer LayerNorm.', { hint: 'Calibrate on more varied images.' });
    }
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
    const quantized = quantizeLinear(linear, inputScale, name);
    const fracBits = this.geluFracBits(points.inPoint);
    const outputScale = this.int8Scale(points.outPoint);
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
