/** Repeated timing with warm-up: wall-clock and process CPU time per repetition. */
import { cpus, loadavg } from 'node:os';

import { throwIfAborted } from '../shared/errors';

import type { AbortSignalLike } from '../shared/abort';

export interface TimingOptions {
  warmups: number;
  /** Stop after this many repetitions... */
  maxRuns: number;
  /** ...or once this much time was spent measuring (at least `minRuns`). */
  budgetMs: number;
  minRuns: number;
  signal?: AbortSignalLike | undefined;
}

export interface Timing {
  runs: number;
  /** Median wall-clock milliseconds per repetition. */
  medianMs: number;
  /** Mean process CPU milliseconds per repetition (all threads of this process, workers included). */
  cpuMs: number;
  /** 1-minute load average and CPU count when the measurement started, to judge contention. */
  loadAverage: number;
  cpus: number;
}

export async function timeRepeated(work: () => unknown | Promise<unknown>, options: TimingOptions): Promise<Timing> {
  for (let i = 0; i < options.warmups; i++) {
    throwIfAborted(options.signal);
    await work();
  }
  const loadAverage = loadavg()[0] ?? 0;
  const samples: number[] = [];
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  while (samples.length < options.maxRuns && (samples.length < options.minRuns || performance.now() - started < options.budgetMs)) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    await work();
    samples.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpuStart);
  samples.sort((a, b) => a - b);
  const middle = Math.floor(samples.length / 2);
  const medianMs = samples.length % 2 === 1 ? (samples[middle] as number) : ((samples[middle - 1] as number) + (samples[middle] as number)) / 2;
  return {
    runs: samples.length,
    medianMs,
    cpuMs: (cpu.user + cpu.system) / 1000 / samples.length,
    loadAverage: Math.round(loadAverage * 100) / 100,
    cpus: cpus().length,
  };
}
