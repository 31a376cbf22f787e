/** Every benchmark `spvit bench` runs, in order. Adding one: export a Benchmark and list it here. */
import { deitForwardBenchmark } from './deit-forward';
import { prunedInferenceBenchmark } from './pruned-inference';
import { trainStepBenchmark } from './train-step';

import type { Benchmark } from './benchmark';

export const BENCHMARKS: readonly Benchmark[] = [deitForwardBenchmark, trainStepBenchmark, prunedInferenceBenchmark];
