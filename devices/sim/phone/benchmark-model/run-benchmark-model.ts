/**
 * The simulated /data/local/tmp/benchmark_model: parses the real tool's flags, prices the model
 * with the phone's latency estimator, then plays the warmup and regular runs on the phone's
 * thermal state (throttling, heating, seeded noise) and prints what the real tool prints, in the
 * output format of the installed version (profile.runtime.benchmarkVersion).
 */
import { setTimeout as sleepMs } from 'node:timers/promises';

import { normalizePath, SimFsError } from '../filesystem';
import { ModelLoadError } from '../latency/estimator';

import { BenchmarkFlagError, parseBenchmarkFlags } from './flags';
import { formatOpProfile } from './op-profile-output';
import { average, formatStatLine, formatStreamDouble } from './tf-format';

import type { CommandContext } from '../shell/command';
import type { EstimateLatency, ModelLatencyEstimate } from '../latency/estimator';
import type { BenchmarkFlags } from './flags';
import type { SeededRandom } from './random';

export interface BenchmarkModelDeps {
  estimateLatency: EstimateLatency;
  random: SeededRandom;
  /** Runs take (scaled) wall-clock time instead of completing at once. */
  realtime: boolean;
}

/** The first inference is slower: cold caches, XNNPACK's lazy packing. */
const FIRST_RUN_FACTOR = 1.25;
const OP_JITTER = 0.03;

interface RunPlan {
  samplesUs: number[];
  factors: number[];
}

function cpusOf(mask: bigint): number[] {
  const cpus: number[] = [];
  for (let cpu = 0; cpu < 64; cpu += 1) if ((mask >> BigInt(cpu)) & 1n) cpus.push(cpu);
  return cpus;
}

class BenchmarkRun {
  readonly #context: CommandContext;
  readonly #deps: BenchmarkModelDeps;
  readonly #prefix: string;
  #firstRun = true;

  constructor(context: CommandContext, deps: BenchmarkModelDeps) {
    this.#context = context;
    this.#deps = deps;
    this.#prefix = context.phone.profile.runtime.benchmarkVersion === 'info-prefixed' ? 'INFO: ' : '';
  }

  log(line: string): Promise<void> {
    return this.#context.stdout.write(`${line === '' ? '' : this.#prefix}${line}\n`);
  }

  error(line: string): Promise<void> {
    return this.#context.stderr.write(`ERROR: ${line}\n`);
  }

  /** Plays runs until both minimums are met or max seconds pass; returns microsecond samples. */
  async play(estimate: ModelLatencyEstimate, limits: { minRuns: number; minSecs: number; maxSecs: number; delaySecs: number }): Promise<RunPlan> {
    const { state, profile } = this.#context.phone;
    const plan: RunPlan = { samplesUs: [], factors: [] };
    let elapsedUs = 0;
    while ((plan.samplesUs.length < limits.minRuns || elapsedUs < limits.minSecs * 1e6) && elapsedUs <= limits.maxSecs * 1e6) {
      if (this.#context.signal.aborted) break;
      let factor = 1 + profile.runtime.noiseRelative * this.#deps.random.normal();
      if (this.#deps.random.next() < profile.runtime.outlierProbability) factor *= 1.1 + 0.3 * this.#deps.random.next();
      if (this.#firstRun) factor *= FIRST_RUN_FACTOR;
      this.#firstRun = false;
      factor = Math.max(0.85, factor) / state.clockScale();
      const latencyUs = Math.round(estimate.totalUs * factor);
      state.runBusy(latencyUs / 1000, estimate.powerW, this.#deps.realtime);
      if (this.#deps.realtime) await this.#sleep(latencyUs / 1000);
      plan.samplesUs.push(latencyUs);
      plan.factors.push(factor);
      elapsedUs += latencyUs;
      if (limits.delaySecs > 0) {
        state.runBusy(limits.delaySecs * 1000, 0, this.#deps.realtime);
        if (this.#deps.realtime) await this.#sleep(limits.delaySecs * 1000);
      }
    }
    return plan;
  }

  async #sleep(simulatedMs: number): Promise<void> {
    await sleepMs(this.#context.phone.state.wallMsFor(simulatedMs), undefined, { signal: this.#context.signal }).catch(() => undefined);
  }

  jitter(): number {
    return 1 + OP_JITTER * this.#deps.random.normal();
  }
}

async function printParameters(run: BenchmarkRun, flags: BenchmarkFlags, old: boolean): Promise<void> {
  await run.log('STARTING!');
  if (old) {
    await run.log(`Num runs: [${flags.numRuns}]`);
    await run.log(`Inter-run delay (seconds): [${flags.runDelaySecs}]`);
    await run.log(`Num threads: [${flags.numThreads}]`);
    await run.log(`Min warmup runs: [${flags.warmupRuns}]`);
    await run.log(`Graph: [${flags.graph}]`);
    await run.log(`Use nnapi : [${flags.useNnapi ? 1 : 0}]`);
    await run.log(`Use gpu : [${flags.useGpu ? 1 : 0}]`);
    return;
  }
  await run.log('Log parameter values verbosely: [0]');
  if (flags.given.includes('num_runs')) await run.log(`Min num runs: [${flags.numRuns}]`);
  if (flags.given.includes('min_secs')) await run.log(`Min runs duration (seconds): [${flags.minSecs}]`);
  if (flags.given.includes('num_threads')) await run.log(`Num threads: [${flags.numThreads}]`);
  if (flags.given.includes('warmup_runs')) await run.log(`Min warmup runs: [${flags.warmupRuns}]`);
  await run.log(`Graph: [${flags.graph}]`);
  if (flags.enableOpProfiling) await run.log('Enable op profiling: [1]');
  if (flags.useGpu) await run.log('Use gpu: [1]');
  await run.log(`#threads used for CPU inference: [${flags.numThreads}]`);
}

function regularRunSamples(estimate: ModelLatencyEstimate, plan: RunPlan, run: BenchmarkRun): { nodeType: string; name: string; samplesUs: number[] }[] {
  return estimate.ops.map((op) => ({ nodeType: op.nodeType, name: op.name, samplesUs: plan.factors.map((factor) => op.latencyUs * factor * run.jitter()) }));
}

export async function runBenchmarkModel(context: CommandContext, deps: BenchmarkModelDeps): Promise<number> {
  const { profile, fs } = context.phone;
  const version = profile.runtime.benchmarkVersion;
  const run = new BenchmarkRun(context, deps);
  let flags: BenchmarkFlags;
  try {
    flags = parseBenchmarkFlags(context.argv.slice(1));
  } catch (error) {
    if (!(error instanceof BenchmarkFlagError)) throw error;
    await run.error(error.message);
    return 1;
  }
  await printParameters(run, flags, version === 'old');
  if (flags.unknown.length > 0) await run.log(`Unconsumed cmdline flags: ${flags.unknown.join(' ')}`);
  if (flags.graph === '') {
    await run.error('Please specify the name of your TF Lite input file with --graph');
    await run.error('Benchmarking failed.');
    return 1;
  }
  let modelBytes: Uint8Array;
  try {
    modelBytes = fs.readFile(normalizePath(flags.graph, context.cwd));
  } catch (error) {
    if (!(error instanceof SimFsError)) throw error;
    await run.error(`Could not open '${flags.graph}'.`);
    await run.error(`Failed to mmap model ${flags.graph}`);
    await run.error('Benchmarking failed.');
    return 1;
  }
  let estimate: ModelLatencyEstimate;
  try {
    const threads = flags.numThreads > 0 ? flags.numThreads : 1;
    estimate = deps.estimateLatency(modelBytes, { profile, threads, allowedCpus: cpusOf(context.cpuMask), useGpu: flags.useGpu, useXnnpack: flags.useXnnpack && version !== 'old' });
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    await run.error(error.message);
    await run.error(`Failed to mmap model ${flags.graph}`);
    await run.error('Benchmarking failed.');
    return 1;
  }
  await run.log(`Loaded model ${flags.graph}`);
  if (version !== 'old') await run.log('Initialized TensorFlow Lite runtime.');
  if (estimate.delegate === 'gpu') {
    await run.log('Created TensorFlow Lite delegate for GPU.');
    await run.log('GPU delegate created.');
    await run.log('Explicitly applied GPU delegate, and the model graph will be completely executed by the delegate.');
  } else if (estimate.delegate === 'xnnpack') {
    await run.log('Created TensorFlow Lite XNNPACK delegate for CPU.');
  }
  const modelMB = estimate.modelSizeBytes / 1e6;
  const initUs = Math.round((profile.runtime.initBaseMs + profile.runtime.initMsPerMB * modelMB) * 1000 * (1 + 0.05 * deps.random.normal()));
  context.phone.state.runBusy(initUs / 1000, estimate.powerW / 2, deps.realtime);
  if (version !== 'old') await run.log(`The input model file size (MB): ${formatStreamDouble(modelMB)}`);
  await run.log(`Initialized session in ${formatStreamDouble(initUs / 1000)}ms${version === 'old' ? '' : '.'}`);
  const limitsText = (runs: number, secs: number): string =>
    `Running benchmark for at least ${runs} iterations and at least ${formatStreamDouble(secs)} seconds${version === 'old' ? '' : ` but terminate if exceeding ${formatStreamDouble(flags.maxSecs)} seconds.`}`;
  await run.log(limitsText(flags.warmupRuns, flags.warmupMinSecs));
  const warmup = await run.play(estimate, { minRuns: flags.warmupRuns, minSecs: flags.warmupMinSecs, maxSecs: flags.maxSecs, delaySecs: flags.runDelaySecs });
  await run.log(formatStatLine(warmup.samplesUs));
  await run.log('');
  await run.log(limitsText(flags.numRuns, flags.minSecs));
  const regular = await run.play(estimate, { minRuns: flags.numRuns, minSecs: flags.minSecs, maxSecs: flags.maxSecs, delaySecs: flags.runDelaySecs });
  if (context.signal.aborted) return 143;
  await run.log(formatStatLine(regular.samplesUs));
  await run.log('');
  const warmupAvg = formatStreamDouble(average(warmup.samplesUs));
  const inferenceAvg = formatStreamDouble(average(regular.samplesUs));
  if (version === 'old') {
    await run.log(`Average inference timings in us: Warmup: ${warmupAvg}, Init: ${initUs}, Inference: ${inferenceAvg}`);
  } else {
    await run.log(`Inference timings in us: Init: ${initUs}, First inference: ${warmup.samplesUs[0] ?? 0}, Warmup (avg): ${warmupAvg}, Inference (avg): ${inferenceAvg}`);
    await run.log('Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.');
    const initMB = modelMB * 1.05 + 6.5;
    await run.log(`Memory footprint delta from the start of the tool (MB): init=${formatStreamDouble(initMB)} overall=${formatStreamDouble(initMB + estimate.arenaBytes / 1e6 + 3)}`);
  }
  if (flags.enableOpProfiling) await printOpProfile({ run, flags, estimate, regular, context, initUs });
  return 0;
}

async function printOpProfile(options: { run: BenchmarkRun; flags: BenchmarkFlags; estimate: ModelLatencyEstimate; regular: RunPlan; context: CommandContext; initUs: number }): Promise<void> {
  const { run, flags, estimate, regular, context, initUs } = options;
  const withStartColumn = context.phone.profile.runtime.benchmarkVersion !== 'info-prefixed';
  const nodes = regularRunSamples(estimate, regular, run);
  const init = formatOpProfile([{ nodeType: 'AllocateTensors', name: 'AllocateTensors/0', samplesUs: [initUs * 0.2] }], { withStartColumn });
  const body = formatOpProfile(nodes, { withStartColumn });
  if (flags.profilingOutputCsvFile !== '') {
    const csv = ['node type,first,avg_ms,%,cdf%,mem KB,times called,name'];
    const total = nodes.reduce((sum, node) => sum + average(node.samplesUs), 0);
    let cumulative = 0;
    for (const node of nodes) {
      const avg = average(node.samplesUs);
      cumulative += avg;
      csv.push([node.nodeType, ((node.samplesUs[0] ?? 0) / 1000).toFixed(3), (avg / 1000).toFixed(3), ((avg / total) * 100).toFixed(3), ((cumulative / total) * 100).toFixed(3), '0.000', '1', `"${node.name}"`].join(','));
    }
    try {
      context.phone.fs.writeFile(normalizePath(flags.profilingOutputCsvFile, context.cwd), new TextEncoder().encode(`${csv.join('\n')}\n`));
    } catch (error) {
      if (!(error instanceof SimFsError)) throw error;
      await run.error(`Could not open ${flags.profilingOutputCsvFile}: ${error.message}`);
    }
    return;
  }
  await run.log('Profiling Info for Benchmark Initialization:');
  await context.stdout.write(`${init}\n`);
  await run.log('Operator-wise Profiling Info for Regular Benchmark Runs:');
  await context.stdout.write(`${body}\n`);
}
