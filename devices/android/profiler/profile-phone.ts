/**
 * Builds a latency table on an Android phone: for each block type, micro-models at token counts
 * from the plan (coarse sweep, refined at the steps), each run `repeats` times with TFLite's
 * benchmark_model (pinned to the big cores, warm-up runs, a cool-down wait before every run with
 * the temperatures recorded). One sample = one benchmark_model invocation's mean over `runs`
 * inferences. The table is written after every point; a re-run resumes.
 */
import { isStudioError, StudioError, throwIfAborted } from '../../../core/shared/errors';
import { buildMicroModel } from '../../../core/export/tflite/micro-models';

import { androidLutDevice } from '../benchmark/lut-device';

import { LutStore } from './lut-store';
import { planProfile } from './profile-plan';
import { DEFAULT_SWEEP, sweepStaircase } from './staircase-sweep';

import type { Lut, LutBlockType, LutModelShape, LutPoint } from '../../../core/latency/lut-schema';
import type { MicroModelSource } from '../../../core/export/tflite/micro-models';
import type { BenchmarkMeasurement, BenchmarkRequest, BenchmarkRunner } from '../benchmark/benchmark-runner';
import type { CoolDownOptions } from '../benchmark/cool-down';
import type { ProfileSettings } from './lut-store';
import type { TablePlan } from './profile-plan';
import type { SweepOptions } from './staircase-sweep';

export interface ProfileEvent {
  phase: 'point' | 'whole-model' | 'done';
  blockType: LutBlockType | null;
  tokens: number | null;
  meanMs: number | null;
  stdMs: number | null;
  /** Taken from the existing table instead of measured again. */
  reused: boolean;
  tableIndex: number;
  tableCount: number;
  measuredPoints: number;
  message: string;
}

export interface ProfilePhoneOptions {
  runner: BenchmarkRunner;
  source: MicroModelSource;
  model: LutModelShape;
  outPath: string;
  threads: number;
  /** Inferences per benchmark_model invocation (--num_runs, exact with --min_secs=0). */
  runs: number;
  warmupRuns: number;
  /** benchmark_model invocations per point: the samples. */
  repeats: number;
  cpus?: 'big' | 'all' | string;
  useGpu?: boolean;
  maxPackages: number;
  tokens?: readonly number[] | undefined;
  blockTypes?: readonly LutBlockType[] | undefined;
  coolDown: Omit<CoolDownOptions, 'signal'> | null;
  sweep?: Partial<Omit<SweepOptions, 'min' | 'max'>>;
  /** The whole dense model, measured once to check the table's sum against it. */
  wholeModel?: Uint8Array | null;
  signal?: AbortSignal;
  onEvent?: (event: ProfileEvent) => void;
}

export interface ProfileResult {
  lut: Lut;
  path: string;
  measured: number;
  reused: number;
}

function stats(samples: readonly number[]): { meanMs: number; stdMs: number } {
  const meanMs = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const variance = samples.length > 1 ? samples.reduce((sum, value) => sum + (value - meanMs) ** 2, 0) / (samples.length - 1) : 0;
  return { meanMs, stdMs: Math.sqrt(variance) };
}

function runRecord(measurement: BenchmarkMeasurement): Record<string, unknown> {
  return {
    command: measurement.command,
    cpuMask: measurement.cpuMask,
    startedAt: measurement.startedAt,
    durationMs: measurement.durationMs,
    inferenceAvgUs: measurement.result.inferenceAvgUs,
    inference: measurement.result.inference,
    initUs: measurement.result.initUs,
    temperatureBeforeC: measurement.temperatures.before.cpuTemperatureC,
    temperatureAfterC: measurement.temperatures.after.cpuTemperatureC,
    coolDown: measurement.coolDown,
  };
}

class PhoneProfiler {
  readonly #options: ProfilePhoneOptions;
  readonly #store: LutStore;
  #measured = 0;
  #reused = 0;
  #tableIndex = 0;
  #tableCount = 0;

  constructor(options: ProfilePhoneOptions, store: LutStore) {
    this.#options = options;
    this.#store = store;
  }

  async run(): Promise<ProfileResult> {
    const options = this.#options;
    const plan = planProfile(options.source, { maxPackages: options.maxPackages, tokens: options.tokens, blockTypes: options.blockTypes });
    this.#tableCount = plan.length;
    for (const [index, table] of plan.entries()) {
      this.#tableIndex = index;
      await this.#table(table);
    }
    if (options.wholeModel !== undefined && options.wholeModel !== null) await this.#wholeModel(options.wholeModel);
    const lut = await this.#store.complete();
    this.#emit({ phase: 'done', blockType: null, tokens: null, meanMs: null, stdMs: null, reused: false, message: `${this.#measured} point(s) measured, ${this.#reused} reused` });
    return { lut, path: this.#store.path, measured: this.#measured, reused: this.#reused };
  }

  async #table(table: TablePlan): Promise<void> {
    const measure = (tokens: number): Promise<LutPoint> => this.#point(table.blockType, table.stage, tokens);
    if (Array.isArray(table.tokens)) {
      for (const tokens of table.tokens) await measure(tokens);
      return;
    }
    await sweepStaircase({ ...DEFAULT_SWEEP, ...this.#options.sweep, ...table.tokens }, measure);
  }

  async #point(blockType: LutBlockType, stage: number, tokens: number): Promise<LutPoint> {
    const known = this.#store.get(blockType, stage, tokens);
    if (known !== undefined) {
      this.#reused += 1;
      this.#emit({ phase: 'point', blockType, tokens, meanMs: known.meanMs, stdMs: known.stdMs, reused: true, message: `${blockType} N=${tokens}: ${known.meanMs.toFixed(3)} ms (from the existing table)` });
      return known;
    }
    const micro = buildMicroModel(this.#options.source, blockType, tokens);
    const runs = await this.#benchmark(micro.bytes, `spvit-lut-${blockType}-${tokens}.tflite`);
    const samplesMs = runs.map((run) => run.result.inferenceAvgUs / 1000);
    const point: LutPoint = { tokens, ...stats(samplesMs), count: samplesMs.length, samplesMs };
    await this.#store.add({
      blockType,
      stage,
      point,
      raw: runs.map((run, i) => `# run ${i + 1}/${runs.length}: ${run.command}\n${run.raw}`).join('\n'),
      record: { modelBytes: micro.bytes.length, operators: micro.operators, modelSha256: runs[0]?.modelSha256, runs: runs.map(runRecord) },
    });
    this.#measured += 1;
    this.#emit({ phase: 'point', blockType, tokens, meanMs: point.meanMs, stdMs: point.stdMs, reused: false, message: `${blockType} N=${tokens}: ${point.meanMs.toFixed(3)} ± ${point.stdMs.toFixed(3)} ms` });
    return point;
  }

  async #wholeModel(bytes: Uint8Array): Promise<void> {
    const key = 'whole-model';
    const lut = this.#store.toLut();
    if (lut?.device.extra?.[key] !== undefined) return;
    const runs = await this.#benchmark(bytes, 'spvit-lut-whole-model.tflite');
    const samplesMs = runs.map((run) => run.result.inferenceAvgUs / 1000);
    const summary = { ...stats(samplesMs), count: samplesMs.length, samplesMs, modelSha256: runs[0]?.modelSha256 ?? null, runs: runs.map(runRecord) };
    this.#store.setExtra(key, summary);
    await this.#store.write();
    this.#emit({ phase: 'whole-model', blockType: null, tokens: null, meanMs: summary.meanMs, stdMs: summary.stdMs, reused: false, message: `whole dense model: ${summary.meanMs.toFixed(2)} ms` });
  }

  async #benchmark(model: Uint8Array, modelName: string): Promise<BenchmarkMeasurement[]> {
    const options = this.#options;
    const request: BenchmarkRequest = {
      model,
      modelName,
      threads: options.threads,
      warmupRuns: options.warmupRuns,
      runs: options.runs,
      cpus: options.cpus ?? 'big',
      useGpu: options.useGpu ?? false,
      coolDown: options.coolDown,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    const runs: BenchmarkMeasurement[] = [];
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      throwIfAborted(options.signal);
      const measurement = await options.runner.run(request);
      if (runs.length === 0 && this.#store.toLut() === null) {
        const info = options.runner.deviceInfo;
        if (info === undefined) throw new StudioError('internal/bug', 'The benchmark runner has no device info after a run.');
        this.#store.setDevice(androidLutDevice(info, request, measurement));
      }
      runs.push(measurement);
    }
    return runs;
  }

  #emit(event: Omit<ProfileEvent, 'tableIndex' | 'tableCount' | 'measuredPoints'>): void {
    this.#options.onEvent?.({ ...event, tableIndex: this.#tableIndex, tableCount: this.#tableCount, measuredPoints: this.#store.measuredCount });
  }
}

/** Profiles the phone behind `runner` into a LUT at `outPath` (resuming what is there). */
export async function profilePhone(options: ProfilePhoneOptions): Promise<ProfileResult> {
  const info = await options.runner.prepare(options.signal === undefined ? {} : { signal: options.signal });
  const settings: ProfileSettings = {
    deviceId: info.identity.serial,
    threads: options.threads,
    runs: options.runs,
    warmupRuns: options.warmupRuns,
    repeats: options.repeats,
    cpus: options.cpus ?? 'big',
    useGpu: options.useGpu ?? false,
  };
  const store = await LutStore.open(options.outPath, options.model, settings);
  try {
    return await new PhoneProfiler(options, store).run();
  } catch (error) {
    if (isStudioError(error, 'device/disconnected') || isStudioError(error, 'device/timeout')) {
      throw new StudioError(error.code, `${error.message} ${store.measuredCount} point(s) are saved in ${options.outPath}.`, {
        cause: error,
        details: { lutPath: options.outPath, measuredPoints: store.measuredCount },
        hint: 'Reconnect the phone and run the same profile again: the measured points are kept and only the missing ones are measured.',
      });
    }
    throw error;
  }
}

