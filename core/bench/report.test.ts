import { describe, expect, it } from 'vitest';

import { BENCHMARKS } from './benchmarks';
import { formatJsonLines, formatTable } from './report';
import { timeRepeated } from './timing';

const results = [
  { name: 'deit_tiny.forward.b1.images_per_s', value: 3.5, unit: 'images/s', config: { batch: 1 } },
  { name: 'deit_tiny.forward.b8.gflops', value: 21.25, unit: 'GFLOP/s', config: { batch: 8, backend: 'wasm' } },
];

describe('benchmark report', () => {
  it('prints an aligned table with one row per result', () => {
    const lines = formatTable(results).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^benchmark\s+value\s+unit$/);
    expect(lines[3]).toMatch(/^deit_tiny\.forward\.b8\.gflops\s+21\.25\s+GFLOP\/s$/);
  });

  it('prints one JSON object per result with name, value, unit and config', () => {
    const lines = formatJsonLines(results).trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual(results);
  });

  it('registers benchmarks with unique ids', () => {
    const ids = BENCHMARKS.map((benchmark) => benchmark.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('deit-tiny-forward');
  });

  it('warms up, then repeats at least minRuns and at most maxRuns times', async () => {
    let calls = 0;
    const timing = await timeRepeated(() => { calls++; }, { warmups: 2, minRuns: 3, maxRuns: 5, budgetMs: 0 });
    expect(timing.runs).toBe(3);
    expect(calls).toBe(5);
    const capped = await timeRepeated(() => undefined, { warmups: 0, minRuns: 1, maxRuns: 4, budgetMs: 60_000 });
    expect(capped.runs).toBe(4);
  });
});
