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

type Work = () => unknown;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Times several variants in alternation (A B A B ...), so a change in machine load during the
 * measurement hits them alike and their ratio stays fair.
 */
export async function timeInterleaved<K extends string>(works: Record<K, Work>, options: TimingOptions): Promise<Record<K, Timing>> {
  const keys = Object.keys(works) as K[];
  for (let i = 0; i < options.warmups; i++) {
    for (const key of keys) {
      throwIfAborted(options.signal);
      await works[key]();
    }
  }
  const loadAverage = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const wall = new Map<K, number[]>(keys.map((key) => [key, []]));
  const cpu = new Map<K, number>(keys.map((key) => [key, 0]));
  const started = performance.now();
  let rounds = 0;
  while (rounds < options.maxRuns && (rounds < options.minRuns || performance.now() - started < options.budgetMs)) {
    for (const key of keys) {
      throwIfAborted(options.signal);
      const cpuStart = process.cpuUsage();
      const t0 = performance.now();
      await works[key]();
      wall.get(key)?.push(performance.now() - t0);
      const used = process.cpuUsage(cpuStart);
      cpu.set(key, (cpu.get(key) ?? 0) + (used.user + used.system) / 1000);
    }
    rounds++;
  }
  const result = {} as Record<K, Timing>;
  for (const key of keys) {
    result[key] = { runs: rounds, medianMs: median(wall.get(key) ?? []), cpuMs: (cpu.get(key) ?? 0) / rounds, loadAverage, cpus: cpus().length };
  }
  return result;
}

export async function timeRepeated(work: Work, options: TimingOptions): Promise<Timing> {
  return (await timeInterleaved({ only: work }, options)).only;
}
