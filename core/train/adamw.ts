/**
 * AdamW (torch.optim.AdamW semantics: decoupled weight decay, bias-corrected moments) on the host,
 * over the flat parameter layout. Running it once on the coordinator keeps every replica identical
 * and makes its state (moments, step) trivially checkpointable. Groups get their own learning rate;
 * frozen parameters are never touched and keep no state.
 */
import { z } from 'zod';

import type { GroupRates } from './schedules';
import type { ParameterLayout } from './parameter-layout';

export const AdamWConfigSchema = z.strictObject({
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().nonnegative().default(0.05),
});
export type AdamWConfig = z.infer<typeof AdamWConfigSchema>;

export interface AdamWState {
  /** Completed optimiser steps (the bias correction's t). */
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export function createAdamWState(layout: ParameterLayout): AdamWState {
  return { step: 0, m: new Float32Array(layout.size), v: new Float32Array(layout.size) };
}

/** One update of `params` in place with the (already averaged) gradient. */
export function adamWStep(params: Float32Array, grads: Float32Array, state: AdamWState, options: { layout: ParameterLayout; config: AdamWConfig; rates: GroupRates }): void {
  const { layout, config, rates } = options;
  const { beta1, beta2, eps, weightDecay } = config;
  state.step += 1;
  const correction1 = 1 - beta1 ** state.step;
  const rootCorrection2 = Math.sqrt(1 - beta2 ** state.step);
  const { m, v } = state;
  for (const entry of layout.entries) {
    if (entry.group === 'frozen') continue;
    const lr = entry.group === 'selector' ? rates.selector : rates.backbone;
    const shrink = entry.decay ? 1 - lr * weightDecay : 1;
    const stepSize = lr / correction1;
    const end = entry.offset + entry.size;
    for (let i = entry.offset; i < end; i += 1) {
      const g = grads[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = (params[i] as number) * shrink - (stepSize * mi) / (Math.sqrt(vi) / rootCorrection2 + eps);
    }
  }
}
