/**
 * A latency-only board package: the model's shape and no weights. The board can time it (`run`,
 * `profile`) but cannot compute outputs from it. Profiling and budget checks need nothing more.
 * Layout: the line `SPVIT-LATENCY-ONLY 1\n`, then the shape as UTF-8 JSON.
 */
import { AgentError } from './frame-error';
import { parseBoardModelShape } from './model-shape';

import type { BoardModelShape } from './board-types';

export const LATENCY_ONLY_FORMAT = 'latency-only';
const MAGIC = 'SPVIT-LATENCY-ONLY 1\n';
const MAX_BYTES = 64 * 1024;

export function encodeLatencyOnlyPackage(model: BoardModelShape): Uint8Array {
  parseBoardModelShape(model);
  return new TextEncoder().encode(MAGIC + JSON.stringify(model));
}

export function isLatencyOnlyPackage(bytes: Uint8Array): boolean {
  const magic = new TextEncoder().encode(MAGIC);
  return bytes.length >= magic.length && magic.every((byte, index) => bytes[index] === byte);
}

export function decodeLatencyOnlyPackage(bytes: Uint8Array): BoardModelShape {
  if (!isLatencyOnlyPackage(bytes)) {
    throw new AgentError('data/corrupt', 'This is not a latency-only package (no SPVIT-LATENCY-ONLY header).');
  }
  if (bytes.length > MAX_BYTES) {
    throw new AgentError('data/corrupt', `A latency-only package is at most ${MAX_BYTES} bytes, this one has ${bytes.length}.`);
  }
  const text = new TextDecoder().decode(bytes.subarray(MAGIC.length));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AgentError('data/corrupt', 'The latency-only package holds no valid JSON shape.', { cause: error });
  }
  return parseBoardModelShape(value);
}
