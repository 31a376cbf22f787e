/** A latency budget as users state it: milliseconds, or a fraction of the dense model's latency. */
import { z } from 'zod';

import { unprunedLatencyMs } from './latency-model';

import type { CurveOptions } from './curve';
import type { LatencyLayout } from './layout';
import type { Lut } from './lut-schema';

export const BudgetSpecSchema = z.union([
  z.strictObject({ latencyMs: z.number().positive() }),
  /** e.g. 0.5 = half the LUT-predicted latency of the backbone without selectors. */
  z.strictObject({ fractionOfDense: z.number().positive().max(1) }),
]);
export type BudgetSpec = z.infer<typeof BudgetSpecSchema>;

export function resolveBudgetMs(spec: BudgetSpec, lut: Lut, layout: LatencyLayout, options: CurveOptions = {}): number {
  if ('latencyMs' in spec) return spec.latencyMs;
  return spec.fractionOfDense * unprunedLatencyMs(lut, layout, options);
}
