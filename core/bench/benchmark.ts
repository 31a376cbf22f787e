/** The benchmark registry's contract: a benchmark measures something and returns named results. */
import type { AbortSignalLike } from '../shared/abort';
import type { Jsonable } from '../shared/jsonable';

export interface BenchmarkResult {
  /** Dotted, stable name, e.g. 'deit_tiny.forward.b8.gflops'. */
  name: string;
  value: number;
  /** e.g. 'images/s', 'GFLOP/s', 'ms'. */
  unit: string;
  /** What was measured and how (backend, batch, workers, repetitions, machine load, ...). */
  config: { [key: string]: Jsonable };
}

export interface BenchmarkContext {
  /** The tfjs backend the host selected. */
  backend: string;
  /** Worker threads for parallel benchmarks (defaults to the CPU count). */
  workers: number;
  /** Progress lines for a human (stderr in the CLI). */
  log: (line: string) => void;
  signal?: AbortSignalLike;
}

export interface Benchmark {
  /** Short id used by `spvit bench --only`, e.g. 'deit-tiny-forward'. */
  id: string;
  summary: string;
  run(context: BenchmarkContext): Promise<BenchmarkResult[]>;
}
