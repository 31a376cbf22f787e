/**
 * Checks that every parameter gets a gradient on the current backend: a missing kernel (e.g. wasm's
 * Conv2DBackpropFilter) or an op without a gradient shows up here instead of mid-training.
 */
import * as tf from '@tensorflow/tfjs-core';

import './register-ops';

import type { ParameterEntry } from './parameters';

export interface GradientReport {
  backend: string;
  /** Keys whose gradient is missing. */
  missing: string[];
  /** Keys whose gradient is all zeros or not finite. */
  degenerate: string[];
  /** The error a gradient op threw (names the missing kernel), if any. */
  error: string | null;
}

/** Runs one backward pass of `loss` (a scalar) with respect to `entries`; disposes everything. */
export function checkGradients(loss: () => tf.Scalar, entries: readonly ParameterEntry[]): GradientReport {
  const backend = tf.getBackend();
  const report: GradientReport = { backend, missing: [], degenerate: [], error: null };
  let grads: tf.NamedTensorMap;
  try {
    ({ grads } = tf.tidy(() => {
      const result = tf.variableGrads(loss, entries.map((entry) => entry.variable));
      result.value.dispose();
      return { grads: result.grads };
    }));
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
    return report;
  }
  for (const entry of entries) {
    const grad = grads[entry.variable.name];
    if (grad === undefined) {
      report.missing.push(entry.key);
      continue;
    }
    const values = grad.dataSync();
    const finite = values.every((value) => Number.isFinite(value));
    if (!finite || values.every((value) => value === 0)) report.degenerate.push(entry.key);
  }
  tf.dispose(grads);
  return report;
}
