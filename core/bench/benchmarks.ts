/** Every benchmark `spvit bench` runs, in order. Adding one: export a Benchmark and list it here. */
import { deitForwardBenchmark } from './deit-forward';

import type { Benchmark } from './benchmark';

export const BENCHMARKS: readonly Benchmark[] = [deitForwardBenchmark];
