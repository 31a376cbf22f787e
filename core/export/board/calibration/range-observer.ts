/**
 * Activation ranges seen during calibration, per named point of the network: the largest |x| and a
 * deterministic subsample of |x| for percentiles (every k-th value, k chosen per tensor so that a
 * point keeps at most `samplesPerTensor` values of each tensor it sees).
 */
import { StudioError } from '../../../shared/errors';

export type CalibrationMethod = 'max' | 'percentile';

export interface RangeRule {
  method: CalibrationMethod;
  /** For 'percentile': the percentile of |x| taken as the range, e.g. 99.99. */
  percentile: number;
}

interface PointRange {
  max: number;
  samples: number[];
}

export class RangeObserver {
  private readonly points = new Map<string, PointRange>();

  constructor(private readonly samplesPerTensor = 16384) {}

  observe(point: string, values: ArrayLike<number>): void {
    let range = this.points.get(point);
    if (range === undefined) {
      range = { max: 0, samples: [] };
      this.points.set(point, range);
    }
    const stride = Math.max(1, Math.floor(values.length / this.samplesPerTensor));
    let max = range.max;
    for (let i = 0; i < values.length; i++) {
      const magnitude = Math.abs(values[i] as number);
      max = Math.max(max, magnitude);
    }
    if (!Number.isFinite(max)) {
      throw new StudioError('export/failed', `Calibration saw a non-finite activation at '${point}'.`, { hint: 'The float model overflows on the calibration images; check the weights and the input normalisation.' });
    }
    for (let i = 0; i < values.length; i += stride) range.samples.push(Math.abs(values[i] as number));
    range.max = max;
  }

  has(point: string): boolean {
    return this.points.has(point);
  }

  max(point: string): number {
    return this.get(point).max;
  }

  /** The range a rule assigns to a point (never above the maximum, never 0). */
  range(point: string, rule: RangeRule): number {
    const range = this.get(point);
    let value = range.max;
    if (rule.method === 'percentile' && range.samples.length > 0) {
      const sorted = Float64Array.from(range.samples).sort();
      const index = Math.min(sorted.length - 1, Math.floor((rule.percentile / 100) * (sorted.length - 1)));
      value = Math.min(range.max, sorted[index] as number);
    }
    return value > 0 ? value : Math.max(range.max, 1e-8);
  }

  private get(point: string): PointRange {
    const range = this.points.get(point);
    if (range === undefined) throw new StudioError('internal/bug', `No calibration data for '${point}'.`);
    return range;
  }
}
