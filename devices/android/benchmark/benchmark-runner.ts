/**
 * Runs TFLite's benchmark_model on a phone: makes sure the user's binary is on the phone and
 * executable, pushes a model, waits for the phone to cool down, runs it pinned to the big cores
 * with `--min_secs=0` (so --num_runs is exact), parses the output, records temperatures, and
 * removes the model again. The latency-table profiler and deploy call `run` once per model.
 */
import { createHash } from 'node:crypto';

import { StudioError } from '../../../core/shared/errors';

import { readDeviceInfo, readThermalSnapshot } from '../device-info';

import { waitForCoolDown } from './cool-down';
import { parseBenchmarkOutput } from './parse-benchmark-output';

import type { AndroidDeviceInfo, ThermalSnapshot } from '../device-info';
import type { PhoneAgent } from '../phone-agent';
import type { CoolDownOptions, CoolDownResult } from './cool-down';
import type { BenchmarkResult } from './parse-benchmark-output';

export const REMOTE_DIR = '/data/local/tmp';
export const REMOTE_BINARY = `${REMOTE_DIR}/benchmark_model`;

export interface BenchmarkRequest {
  /** The .tflite file's bytes. */
  model: Uint8Array;
  /** File name on the phone (under /data/local/tmp); derived from the content hash by default. */
  modelName?: string;
  threads: number;
  warmupRuns: number;
  runs: number;
  useGpu?: boolean;
  opProfiling?: boolean;
  /** 'big' (default): the cores of the fastest clusters; 'all': no taskset; or a hex mask. */
  cpus?: 'big' | 'all' | string;
  /** Wait for the phone to cool down first (null: do not wait). */
  coolDown?: Omit<CoolDownOptions, 'signal'> | null;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface BenchmarkMeasurement {
  result: BenchmarkResult;
  /** The tool's output, kept with the latency table. */
  raw: string;
  command: string;
  cpuMask: string | null;
  modelSha256: string;
  coolDown: Omit<CoolDownResult, 'last'> | null;
  temperatures: { before: ThermalSnapshot; after: ThermalSnapshot };
  startedAt: string;
  durationMs: number;
}

export interface BenchmarkRunnerOptions {
  phone: PhoneAgent;
  /** The benchmark_model binary for the phone's ABI (the studio cannot download one). */
  binary: Uint8Array;
  /** Read once by `prepare` when not given. */
  deviceInfo?: AndroidDeviceInfo;
}

const DEFAULT_RUN_TIMEOUT_MS = 10 * 60_000;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

export class BenchmarkRunner {
  readonly phone: PhoneAgent;
  readonly #binary: Uint8Array;
  #deviceInfo: AndroidDeviceInfo | undefined;
  #prepared = false;

  constructor(options: BenchmarkRunnerOptions) {
    this.phone = options.phone;
    this.#binary = options.binary;
    this.#deviceInfo = options.deviceInfo;
  }

  get deviceInfo(): AndroidDeviceInfo | undefined {
    return this.#deviceInfo;
  }

  /** Reads the phone's identity and installs the binary unless the same one is already there. */
  async prepare(options: { signal?: AbortSignal } = {}): Promise<AndroidDeviceInfo> {
    const call = options.signal === undefined ? {} : { signal: options.signal };
    this.#deviceInfo ??= await readDeviceInfo(this.phone, call);
    if (!this.#prepared) {
      const stat = await this.phone.stat(REMOTE_BINARY, call);
      let same = stat !== null && stat.sizeBytes === this.#binary.length;
      if (same) {
        const remote = await this.#remoteSha256(REMOTE_BINARY, call);
        // Phones without toybox sha256sum fall back to the size check.
        same = remote === null || remote === sha256(this.#binary);
      }
      if (!same) await this.phone.push(this.#binary, REMOTE_BINARY, { ...call, permissions: 0o755 });
      // adbd may drop the mode bits of a push (umask, old versions); make sure it can run.
      const chmod = await this.phone.shell(`chmod 755 ${REMOTE_BINARY}`, call);
      if (chmod.exitCode !== 0) {
        throw new StudioError('deploy/failed', `Cannot make ${REMOTE_BINARY} executable on ${this.phone.serial}: ${chmod.output.trim()}`, {
          hint: 'Check that /data/local/tmp is writable for the shell user.',
        });
      }
      this.#prepared = true;
    }
    return this.#deviceInfo;
  }

  async run(request: BenchmarkRequest): Promise<BenchmarkMeasurement> {
    const call = request.signal === undefined ? {} : { signal: request.signal };
    const info = await this.prepare(call);
    const modelSha256 = sha256(request.model);
    const remoteModel = `${REMOTE_DIR}/${request.modelName ?? `spvit-${modelSha256.slice(0, 16)}.tflite`}`;
    const startedAt = new Date();
    const coolDown = request.coolDown === undefined || request.coolDown === null ? null : await waitForCoolDown(this.phone, { ...request.coolDown, ...call });
    const before = coolDown?.last ?? (await readThermalSnapshot(this.phone, call));
    await this.phone.push(request.model, remoteModel, { ...call, permissions: 0o644 });
    const cpuMask = request.cpus === 'all' ? null : request.cpus === undefined || request.cpus === 'big' ? info.health.bigCoreMask : request.cpus;
    const flags = [
      `--graph=${shellQuote(remoteModel)}`,
      `--num_threads=${request.threads}`,
      `--warmup_runs=${request.warmupRuns}`,
      `--num_runs=${request.runs}`,
      '--min_secs=0',
      ...(request.useGpu ? ['--use_gpu=true'] : []),
      ...(request.opProfiling ? ['--enable_op_profiling=true'] : []),
    ];
    const command = `${cpuMask === null || cpuMask === '' ? '' : `taskset ${cpuMask} `}${REMOTE_BINARY} ${flags.join(' ')}`;
    let raw: string;
    let exitCode: number;
    try {
      const outcome = await this.phone.shell(command, { ...call, timeoutMs: request.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS });
      raw = outcome.output;
      exitCode = outcome.exitCode;
    } finally {
      // Leave no models behind, even after a failure (best effort: the phone may be gone).
      await this.phone.shell(`rm -f ${shellQuote(remoteModel)}`, { timeoutMs: 15_000 }).catch(() => undefined);
    }
    const after = await readThermalSnapshot(this.phone, call);
    let result: BenchmarkResult;
    try {
      result = parseBenchmarkOutput(raw);
    } catch (error) {
      if (exitCode !== 0 && error instanceof StudioError) {
        throw new StudioError('device/failed', `benchmark_model exited with status ${exitCode} on ${this.phone.serial}.`, {
          cause: error,
          hint: 'See the output in the details; a binary for another ABI fails with "not executable" or "Exec format error".',
          details: { command, exitCode, raw: raw.slice(-200_000) },
        });
      }
      throw error;
    }
    return {
      result,
      raw,
      command,
      cpuMask,
      modelSha256,
      coolDown: coolDown === null ? null : { reachedThreshold: coolDown.reachedThreshold, waitedMs: coolDown.waitedMs, startC: coolDown.startC, endC: coolDown.endC, readings: coolDown.readings },
      temperatures: { before, after },
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
    };
  }

  async #remoteSha256(path: string, call: { signal?: AbortSignal }): Promise<string | null> {
    const { output, exitCode } = await this.phone.shell(`sha256sum ${shellQuote(path)}`, call);
    return exitCode === 0 ? (/^([0-9a-f]{64})\b/.exec(output.trim())?.[1] ?? null) : null;
  }
}
