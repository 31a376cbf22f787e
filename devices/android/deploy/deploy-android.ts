/**
 * `spvit deploy` / deploy.run for an Android phone: exports the run's model to TFLite, checks the
 * file with an independent runtime on the host, pushes it and its metadata into a staging folder
 * on the phone, checks the copy's sha256 there, benchmarks it, asks the phone for its outputs on a
 * sample image, and only then moves it into place and switches `current` (see deploy-layout.ts).
 * Any failure before the switch leaves the previous deployment live. A report goes into the run
 * folder either way.
 */
import { createHash } from 'node:crypto';

import { StudioError, toSerializedError } from '../../../core/shared/errors';
import { exportTflite, nchwToNhwc } from '../../../core/export/tflite/export-model';
import { loadModelFolder } from '../../../core/export/tflite/model-folder';
import { compareOutputs } from '../../../core/export/tflite/verify/compare';

import { BenchmarkRunner } from '../benchmark/benchmark-runner';
import { resolveBenchmarkBinary } from '../profiler/benchmark-binary';

import { CURRENT_POINTER, DEPLOYMENTS_DIR, METADATA_FILE, MODEL_FILE, deploymentVersion, parseCurrentPointer, shellQuote, stagingDir, versionDir } from './deploy-layout';
import { writeDeployReport } from './deploy-report';
import { hostLogits, hostOutputCheck, OUTPUT_TOLERANCE, sampleImage } from './host-check';
import { runOnDeviceOutputs } from './on-device-outputs';
import { readRunBudget } from './run-budget';

import type { TfliteExport } from '../../../core/export/tflite/export-model';
import type { LoadedModel } from '../../../core/export/tflite/model-folder';
import type { BenchmarkMeasurement } from '../benchmark/benchmark-runner';
import type { PhoneAgent, PhoneHub } from '../phone-agent';
import type { DeployReport, LatencyStats, OnDeviceCheck } from './deploy-report';
import type { RunBudget } from './run-budget';

export type DeployPhase = 'export' | 'host-check' | 'connect' | 'push' | 'verify' | 'benchmark' | 'outputs' | 'activate' | 'done';

export interface DeployEvent {
  phase: DeployPhase;
  message: string;
}

export interface AndroidDeployRequest {
  hub: PhoneHub;
  serial: string;
  runDir: string;
  runs?: number | undefined;
  warmupRuns?: number | undefined;
  threads?: number | undefined;
  /** Overrides the budget found in the run's report.json. */
  budgetMs?: number | undefined;
  /** Sample images for the host check (the on-device check uses the first). */
  sampleImages?: number | undefined;
  benchmarkBinary?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  coolDown?: { thresholdC: number; timeoutMs: number; pollMs?: number } | null | undefined;
  signal?: AbortSignal | undefined;
  /** Awaited before each phase starts. */
  onEvent?: ((event: DeployEvent) => void | Promise<void>) | undefined;
  now?: () => Date;
}

export interface DeployResult {
  report: DeployReport;
  reportPath: string;
}

function latencyStats(measurement: BenchmarkMeasurement): LatencyStats {
  const { result } = measurement;
  const ms = (us: number | null | undefined): number | null => (us === null || us === undefined ? null : us / 1000);
  return {
    meanMs: result.inferenceAvgUs / 1000,
    stdMs: ms(result.inference?.stdUs),
    minMs: ms(result.inference?.minUs),
    maxMs: ms(result.inference?.maxUs),
    count: result.inference?.count ?? 0,
    firstMs: ms(result.firstInferenceUs),
    warmupMeanMs: ms(result.warmupAvgUs),
    initMs: ms(result.initUs),
  };
}

class AndroidDeployment {
  readonly #request: AndroidDeployRequest;
  readonly #report: DeployReport;
  readonly #call: { signal?: AbortSignal };
  #phone: PhoneAgent | null = null;
  #staging: string | null = null;

  constructor(request: AndroidDeployRequest, createdAt: Date) {
    this.#request = request;
    this.#call = request.signal === undefined ? {} : { signal: request.signal };
    this.#report = {
      format: 'spvit-deploy-report',
      version: 1,
      status: 'failed',
      createdAt: createdAt.toISOString(),
      runDir: request.runDir,
      device: { serial: request.serial, identity: null, temperatureBeforeC: null, temperatureAfterC: null },
      model: { architecture: '', mode: 'dense', modelSha256: '', sizeBytes: 0, weightsSha256: '', input: { name: '', shape: [], layout: '' }, outputShape: [], tokensPerBlock: [] },
      deployment: { version: '', path: null, previous: null, current: null, verified: null },
      budget: { budgetMs: null, predictedMs: null, source: '' },
      latency: null,
      hostCheck: null,
      onDeviceCheck: null,
      raw: null,
      error: null,
    };
  }

  async #phase(phase: DeployPhase, message: string): Promise<void> {
    await this.#request.onEvent?.({ phase, message });
  }

  async run(): Promise<DeployResult> {
    let loaded: LoadedModel | null = null;
    try {
      await this.#phase('export', `exporting ${this.#request.runDir}`);
      loaded = await loadModelFolder(this.#request.runDir);
      const exported = exportTflite(loaded.model);
      const modelSha256 = createHash('sha256').update(exported.bytes).digest('hex');
      this.#describeModel(loaded, exported, modelSha256);
      this.#report.budget = await this.#budget();
      await this.#phase('host-check', 'running the exported file in LiteRT on the host');
      const hostCheck = await hostOutputCheck(loaded.model, exported, { images: this.#request.sampleImages ?? 4 });
      this.#report.hostCheck = hostCheck;
      if (hostCheck.available && !hostCheck.passed) {
        throw new StudioError('export/failed', `The exported model's outputs differ from the studio model's (max relative error ${hostCheck.maxRelativeError.toExponential(2)}).`, {
          hint: 'This is an exporter bug; the deployment was not started.',
        });
      }
      await this.#onPhone(loaded, exported, modelSha256);
      this.#report.status = 'deployed';
      await this.#phase('done', `deployed ${this.#report.deployment.version}`);
      return { report: this.#report, reportPath: await writeDeployReport(this.#request.runDir, this.#report) };
    } catch (error) {
      await this.#cleanUp();
      this.#report.error = toSerializedError(error);
      const reportPath = await writeDeployReport(this.#request.runDir, this.#report).catch(() => null);
      if (error instanceof StudioError) {
        const kept = this.#report.deployment.previous;
        const outcome = this.#staging === null && this.#report.deployment.version === '' ? 'Nothing on the phone was changed.' : kept === null ? 'No deployment was live before, and none is now.' : `Deployment ${kept} stays live.`;
        throw new StudioError(error.code, `${error.message} ${outcome}`, {
          cause: error,
          details: { reportPath, previous: kept, ...(error.details !== null && typeof error.details === 'object' && !Array.isArray(error.details) ? error.details : {}) },
          ...(error.hint === undefined ? {} : { hint: error.hint }),
        });
      }
      throw error;
    } finally {
      loaded?.model.dispose();
      await this.#phone?.close().catch(() => undefined);
    }
  }

  #describeModel(loaded: LoadedModel, exported: TfliteExport, modelSha256: string): void {
    this.#report.model = {
      architecture: exported.architecture,
      mode: exported.mode,
      modelSha256,
      sizeBytes: exported.bytes.length,
      weightsSha256: loaded.weightsSha256,
      input: { name: exported.input.name, shape: exported.input.shape, layout: exported.input.layout },
      outputShape: exported.output.shape,
      tokensPerBlock: exported.tokensPerBlock,
    };
  }

  async #budget(): Promise<RunBudget> {
    const fromRun = await readRunBudget(this.#request.runDir);
    return this.#request.budgetMs === undefined ? fromRun : { budgetMs: this.#request.budgetMs, predictedMs: fromRun.predictedMs, source: 'given with the deploy' };
  }

  async #onPhone(loaded: LoadedModel, exported: TfliteExport, modelSha256: string): Promise<void> {
    const request = this.#request;
    await this.#phase('connect', `opening ${request.serial}`);
    const phone = await request.hub.openPhone(request.serial, this.#call);
    this.#phone = phone;
    const { binary } = await resolveBenchmarkBinary(phone, { path: request.benchmarkBinary, env: request.env ?? {}, ...this.#call });
    const runner = new BenchmarkRunner({ phone, binary });
    const info = await runner.prepare(this.#call);
    this.#report.device.identity = info.identity;
    const pointer = await phone.shell(`cat ${CURRENT_POINTER}`, this.#call);
    const previous = pointer.exitCode === 0 ? parseCurrentPointer(pointer.output) : null;
    const version = deploymentVersion(new Date(this.#report.createdAt), modelSha256);
    this.#report.deployment = { version, path: null, previous, current: previous, verified: null };
    const staging = stagingDir(version);
    this.#staging = staging;
    await this.#phase('push', `pushing ${exported.bytes.length} bytes to ${staging}`);
    await phone.shell(`rm -rf ${shellQuote(staging)}`, this.#call);
    await phone.push(exported.bytes, `${staging}/${MODEL_FILE}`, this.#call);
    const metadata = {
      version,
      createdAt: this.#report.createdAt,
      modelSha256,
      weightsSha256: loaded.weightsSha256,
      config: loaded.config,
      budgetMs: this.#report.budget.budgetMs,
      export: { format: 'tflite', mode: exported.mode, input: exported.input, output: exported.output, tokensPerBlock: exported.tokensPerBlock, notes: exported.notes },
    };
    await phone.push(new TextEncoder().encode(`${JSON.stringify(metadata, null, 1)}\n`), `${staging}/${METADATA_FILE}`, this.#call);
    await this.#phase('verify', 'checking the pushed file on the phone');
    this.#report.deployment.verified = await this.#verify(phone, `${staging}/${MODEL_FILE}`, modelSha256, exported.bytes.length);
    const threads = request.threads ?? Math.max(1, info.health.bigCores.length);
    await this.#phase('benchmark', `benchmark_model, ${threads} thread(s)`);
    const measurement = await runner.run({
      model: exported.bytes,
      modelName: `spvit-deploy-${version}.tflite`,
      threads,
      warmupRuns: request.warmupRuns ?? 10,
      runs: request.runs ?? 50,
      coolDown: request.coolDown === undefined ? { thresholdC: 45, timeoutMs: 120_000 } : request.coolDown,
      ...this.#call,
    });
    this.#recordLatency(measurement, threads);
    await this.#phase('outputs', 'asking the phone for its outputs on a sample image');
    this.#report.onDeviceCheck = await this.#onDeviceCheck(phone, loaded, exported, { staging, threads });
    if (this.#report.onDeviceCheck.available && !this.#report.onDeviceCheck.passed) {
      throw new StudioError('deploy/failed', `The phone's outputs differ from the host model's (max relative error ${this.#report.onDeviceCheck.maxRelativeError.toExponential(2)}).`, {
        hint: 'Check the delegate (GPU kernels compute in lower precision) or report an exporter bug.',
      });
    }
    await this.#phase('activate', `switching ${CURRENT_POINTER} to ${version}`);
    await this.#activate(phone, version);
  }

  async #verify(phone: PhoneAgent, path: string, sha256: string, sizeBytes: number): Promise<string> {
    const hashed = await phone.shell(`sha256sum ${shellQuote(path)}`, this.#call);
    const remote = hashed.exitCode === 0 ? /^([0-9a-f]{64})\b/.exec(hashed.output.trim())?.[1] ?? null : null;
    if (remote !== null) {
      if (remote !== sha256) throw new StudioError('deploy/failed', `The copy on the phone is corrupt (sha256 ${remote.slice(0, 12)}… instead of ${sha256.slice(0, 12)}…).`, { hint: 'Deploy again; check the USB cable or the network link.' });
      return 'sha256 on the phone';
    }
    // Phones without toybox sha256sum: compare the size only, and say so.
    const stat = await phone.stat(path, this.#call);
    if (stat?.sizeBytes !== sizeBytes) throw new StudioError('deploy/failed', `The copy on the phone has ${stat?.sizeBytes ?? 0} bytes instead of ${sizeBytes}.`, { hint: 'Deploy again; check the USB cable or the network link.' });
    return 'size only (no sha256sum on the phone)';
  }

  #recordLatency(measurement: BenchmarkMeasurement, threads: number): void {
    const stats = latencyStats(measurement);
    const budgetMs = this.#report.budget.budgetMs;
    this.#report.latency = {
      ...stats,
      command: measurement.command,
      threads,
      cpuMask: measurement.cpuMask,
      delegate: measurement.result.delegate,
      withinBudget: budgetMs === null ? null : stats.meanMs <= budgetMs,
      marginMs: budgetMs === null ? null : budgetMs - stats.meanMs,
    };
    this.#report.device.temperatureBeforeC = measurement.temperatures.before.cpuTemperatureC;
    this.#report.device.temperatureAfterC = measurement.temperatures.after.cpuTemperatureC;
    this.#report.raw = measurement.raw;
  }

  async #onDeviceCheck(phone: PhoneAgent, loaded: LoadedModel, exported: TfliteExport, where: { staging: string; threads: number }): Promise<OnDeviceCheck> {
    const pixels = sampleImage(loaded.model.inputShape, 0);
    const nhwc = nchwToNhwc(pixels, loaded.model.inputShape);
    const outcome = await runOnDeviceOutputs(phone, {
      modelPath: `${where.staging}/${MODEL_FILE}`,
      workDir: where.staging,
      inputName: exported.input.name,
      inputShape: exported.input.shape,
      input: nhwc,
      threads: where.threads,
      ...this.#call,
    });
    if (!outcome.available) return { available: false, reason: outcome.reason, command: outcome.command };
    const comparison = compareOutputs(outcome.outputs.subarray(0, exported.output.shape.reduce((a, b) => a * b, 1)), hostLogits(loaded.model, pixels));
    return { available: true, images: 1, maxRelativeError: comparison.maxRelativeError, sameTopClass: comparison.sameTopClass, tolerance: OUTPUT_TOLERANCE, passed: comparison.maxRelativeError <= OUTPUT_TOLERANCE && comparison.sameTopClass, command: outcome.command };
  }

  async #activate(phone: PhoneAgent, version: string): Promise<void> {
    const target = versionDir(version);
    const step = async (command: string, what: string): Promise<void> => {
      const { output, exitCode } = await phone.shell(command, this.#call);
      if (exitCode !== 0) throw new StudioError('deploy/failed', `${what} failed on ${phone.serial}: ${output.trim()}`, { hint: `Check that ${DEPLOYMENTS_DIR} is writable for the shell user.` });
    };
    await step(`rm -rf ${shellQuote(target)} && mv ${shellQuote(this.#staging as string)} ${shellQuote(target)}`, `Moving the new version into ${target}`);
    this.#staging = null;
    await phone.push(new TextEncoder().encode(`${version}\n`), `${CURRENT_POINTER}.next`, this.#call);
    // The switch itself: one rename over the old pointer.
    await step(`mv ${shellQuote(`${CURRENT_POINTER}.next`)} ${shellQuote(CURRENT_POINTER)}`, 'Switching the current deployment');
    this.#report.deployment.path = target;
    this.#report.deployment.current = version;
  }

  /** Best effort after a failure: the staging folder goes; the live deployment is never touched. */
  async #cleanUp(): Promise<void> {
    if (this.#phone === null || this.#staging === null) return;
    await this.#phone.shell(`rm -rf ${shellQuote(this.#staging)}`, { timeoutMs: 15_000 }).catch(() => undefined);
  }
}

export async function deployAndroid(request: AndroidDeployRequest): Promise<DeployResult> {
  return new AndroidDeployment(request, (request.now ?? (() => new Date()))()).run();
}
