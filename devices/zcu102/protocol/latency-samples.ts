/** Latency samples travel as a payload of float64 triples; the header carries their statistics. */
import { AgentError } from './frame-error';

import type { BoardLatencySample, LatencyStats } from './board-types';

const VALUES_PER_SAMPLE = 3;
const BYTES_PER_SAMPLE = VALUES_PER_SAMPLE * 8;

export function encodeLatencySamples(samples: readonly BoardLatencySample[]): Uint8Array {
  const bytes = new Uint8Array(samples.length * BYTES_PER_SAMPLE);
  const view = new DataView(bytes.buffer);
  samples.forEach((sample, index) => {
    const offset = index * BYTES_PER_SAMPLE;
    view.setFloat64(offset, sample.totalMs, true);
    view.setFloat64(offset + 8, sample.acceleratorMs, true);
    view.setFloat64(offset + 16, sample.cpuMs, true);
  });
  return bytes;
}

export function decodeLatencySamples(payload: Uint8Array, count: number): BoardLatencySample[] {
  if (payload.length !== count * BYTES_PER_SAMPLE) {
    throw new AgentError('protocol/bad-frame', `Expected ${count} latency samples (${count * BYTES_PER_SAMPLE} bytes), got ${payload.length} bytes.`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const samples: BoardLatencySample[] = [];
  for (let index = 0; index < count; index += 1) {
    const offset = index * BYTES_PER_SAMPLE;
    samples.push({
      totalMs: view.getFloat64(offset, true),
      acceleratorMs: view.getFloat64(offset + 8, true),
      cpuMs: view.getFloat64(offset + 16, true),
    });
  }
  return samples;
}

export function latencyStats(samples: readonly BoardLatencySample[]): LatencyStats {
  if (samples.length === 0) {
    throw new AgentError('internal/bug', 'Latency statistics need at least one sample.');
  }
  const totals = samples.map((sample) => sample.totalMs);
  const count = totals.length;
  const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  const meanMs = mean(totals);
  const variance = count > 1 ? totals.reduce((sum, value) => sum + (value - meanMs) ** 2, 0) / (count - 1) : 0;
  const sorted = [...totals].sort((a, b) => a - b);
  const middle = Math.floor(count / 2);
  const medianMs = count % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return {
    count,
    meanMs,
    stdMs: Math.sqrt(variance),
    minMs: sorted[0] ?? 0,
    maxMs: sorted[count - 1] ?? 0,
    medianMs,
    meanAcceleratorMs: mean(samples.map((sample) => sample.acceleratorMs)),
    meanCpuMs: mean(samples.map((sample) => sample.cpuMs)),
  };
}
