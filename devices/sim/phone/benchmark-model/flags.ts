/** benchmark_model's command-line flags (`--name=value`), with the tool's defaults. */

export interface BenchmarkFlags {
  graph: string;
  numThreads: number;
  warmupRuns: number;
  warmupMinSecs: number;
  numRuns: number;
  minSecs: number;
  maxSecs: number;
  runDelaySecs: number;
  useGpu: boolean;
  useNnapi: boolean;
  useXnnpack: boolean;
  enableOpProfiling: boolean;
  profilingOutputCsvFile: string;
  /** Flags given explicitly, in order: the tool echoes them. */
  given: string[];
  unknown: string[];
}

const DEFAULTS: Omit<BenchmarkFlags, 'given' | 'unknown'> = {
  graph: '',
  numThreads: -1,
  warmupRuns: 1,
  warmupMinSecs: 0.5,
  numRuns: 50,
  minSecs: 1,
  maxSecs: 150,
  runDelaySecs: -1,
  useGpu: false,
  useNnapi: false,
  useXnnpack: true,
  enableOpProfiling: false,
  profilingOutputCsvFile: '',
};

const NAMES: Record<string, keyof typeof DEFAULTS> = {
  graph: 'graph',
  num_threads: 'numThreads',
  warmup_runs: 'warmupRuns',
  warmup_min_secs: 'warmupMinSecs',
  num_runs: 'numRuns',
  min_secs: 'minSecs',
  max_secs: 'maxSecs',
  run_delay: 'runDelaySecs',
  use_gpu: 'useGpu',
  use_nnapi: 'useNnapi',
  use_xnnpack: 'useXnnpack',
  enable_op_profiling: 'enableOpProfiling',
  profiling_output_csv_file: 'profilingOutputCsvFile',
};

export class BenchmarkFlagError extends Error {}

export function parseBenchmarkFlags(args: readonly string[]): BenchmarkFlags {
  const flags: BenchmarkFlags = { ...DEFAULTS, given: [], unknown: [] };
  const target = flags as unknown as Record<string, unknown>;
  for (const arg of args) {
    const match = /^--?([A-Za-z0-9_]+)(?:=(.*))?$/.exec(arg);
    const key = match === null ? undefined : NAMES[match[1]!];
    if (match === null || key === undefined) {
      flags.unknown.push(arg);
      continue;
    }
    const raw = match[2] ?? 'true';
    const current = DEFAULTS[key];
    if (typeof current === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(raw)) throw new BenchmarkFlagError(`Couldn't interpret value ${raw} for flag ${match[1]!}.`);
      target[key] = raw === 'true' || raw === '1';
    } else if (typeof current === 'number') {
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) throw new BenchmarkFlagError(`Couldn't interpret value ${raw} for flag ${match[1]!}.`);
      target[key] = value;
    } else {
      target[key] = raw;
    }
    flags.given.push(match[1]!);
  }
  return flags;
}
