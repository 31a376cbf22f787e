/** `spvit bench`: runs the registered benchmarks and prints a table, or JSON lines with --json. */
import { availableParallelism } from 'node:os';

import { BENCHMARKS } from '../../../core/bench/benchmarks';
import { formatJsonLines, formatTable } from '../../../core/bench/report';
import { StudioError } from '../../../core/shared/errors';
import { describeTensorBackend, initTensorBackend } from '../../../core/tensor/backend';
import { booleanFlag, integerFlag, listFlag, stringFlag } from '../arguments';

import type { BenchmarkResult } from '../../../core/bench/benchmark';
import type { CliCommand } from '../command';

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'the performance benchmarks, as a table',
  usage: 'spvit bench [--json] [--only ID ...] [--backend B] [--workers N] [--list]',
  options: {
    json: { type: 'boolean' },
    only: { type: 'string', multiple: true },
    backend: { type: 'string' },
    workers: { type: 'string' },
    list: { type: 'boolean' },
  },
  async run(args, io) {
    if (booleanFlag(args, 'list')) {
      for (const benchmark of BENCHMARKS) io.stdout.write(`${benchmark.id}  ${benchmark.summary}\n`);
      return 0;
    }
    const only = listFlag(args, 'only');
    const unknown = only.filter((id) => !BENCHMARKS.some((benchmark) => benchmark.id === id));
    if (unknown.length > 0) {
      throw new StudioError('input/invalid', `Unknown benchmark(s): ${unknown.join(', ')}.`, { hint: "See 'spvit bench --list'." });
    }
    const selected = BENCHMARKS.filter((benchmark) => only.length === 0 || only.includes(benchmark.id));
    const workers = integerFlag(args, 'workers', { min: 1, max: 64 }) ?? Math.max(2, availableParallelism());
    const backend = await initTensorBackend({ backend: stringFlag(args, 'backend') });
    const info = await describeTensorBackend();
    const json = booleanFlag(args, 'json');
    (json ? io.stderr : io.stdout).write(`backend: ${info.name}${info.simd ? ' (SIMD)' : ''}, workers: ${workers}\n`);
    const results: BenchmarkResult[] = [];
    for (const benchmark of selected) {
      results.push(...(await benchmark.run({ backend, workers, log: (line) => io.stderr.write(`${line}\n`), signal: io.signal })));
    }
    io.stdout.write(json ? formatJsonLines(results) : formatTable(results));
    return 0;
  },
};
