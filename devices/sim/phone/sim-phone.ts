/**
 * A simulated Android phone: identity and hardware from a profile, an in-memory filesystem, a
 * shell, the sync service, and a benchmark_model whose latency comes from a pluggable estimator.
 * Every phone is an instance with its own state and random stream; nothing is module-global.
 */
import { formatDeviceBanner } from '../../android/protocol/adb-packet';

import { serveSync } from './adb/sync-service';
import { SeededRandom } from './benchmark-model/random';
import { runBenchmarkModel } from './benchmark-model/run-benchmark-model';
import { SimFilesystem } from './filesystem';
import { estimateTfliteLatency } from './latency/tflite-cost-model';
import { SimPhoneState } from './phone-state';
import { serveCommand, serveInteractiveShell } from './shell-service';
import { installSystemFiles } from './system-files';

import type { AdbServiceHandler, SimAdbAuthPolicy } from './adb/daemon-connection';
import type { EstimateLatency } from './latency/estimator';
import type { SimPhoneProfile } from './profiles/profile';
import type { CommandContext, SimPhoneServices } from './shell/command';

/** getprop key the simulator sets (to its profile id), so listings can mark the phone as simulated. */
export const SIMULATOR_PROPERTY = 'ro.spvit.simulator';

export interface SimPhoneOptions {
  profile: SimPhoneProfile;
  /** Seeds the run-to-run noise of benchmark_model. */
  seed?: number;
  /** Simulated seconds per wall-clock second (cooling, `sleep`); tests use large values. */
  timeScale?: number;
  /** benchmark_model takes (scaled) wall-clock time, like the real tool; off: answers at once. */
  realtimeBenchmarks?: boolean;
  /** How the phone answers adb's RSA prompt. */
  auth?: SimAdbAuthPolicy;
  initialTemperatureC?: number;
  /** Wall clock in ms for the phone's time; injectable so tests control cooling. */
  wallClockMs?: () => number;
  /** The latency model of benchmark_model; reads .tflite files by default. */
  estimateLatency?: EstimateLatency;
}

export class SimPhone implements SimPhoneServices {
  readonly profile: SimPhoneProfile;
  readonly fs: SimFilesystem;
  readonly state: SimPhoneState;
  readonly auth: SimAdbAuthPolicy;
  readonly #random: SeededRandom;
  readonly #estimateLatency: EstimateLatency;
  readonly #realtime: boolean;

  constructor(options: SimPhoneOptions) {
    this.profile = options.profile;
    this.state = new SimPhoneState({
      profile: options.profile,
      ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
      ...(options.initialTemperatureC === undefined ? {} : { initialTemperatureC: options.initialTemperatureC }),
      ...(options.wallClockMs === undefined ? {} : { wallClockMs: options.wallClockMs }),
    });
    this.fs = new SimFilesystem({ nowS: () => this.state.epochS() });
    installSystemFiles(this.fs, this.profile, this.state);
    this.auth = options.auth ?? 'none';
    this.#random = new SeededRandom(options.seed ?? 1);
    this.#estimateLatency = options.estimateLatency ?? estimateTfliteLatency;
    this.#realtime = options.realtimeBenchmarks ?? false;
  }

  getprop(name: string): string | undefined {
    return this.#allProperties()[name];
  }

  properties(): [string, string][] {
    return Object.entries(this.#allProperties()).sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /** The profile's properties plus one that says, honestly, that this phone is simulated. */
  #allProperties(): Record<string, string> {
    return { ...this.profile.properties, [SIMULATOR_PROPERTY]: this.profile.id };
  }

  /** The CNXN banner: identity for `adb devices -l` and the features the daemon supports. */
  banner(): string {
    const property = (name: string): string => this.getprop(name) ?? '';
    return formatDeviceBanner({
      name: property('ro.product.name'),
      model: property('ro.product.model'),
      device: property('ro.product.device'),
      features: this.profile.adb.features,
    });
  }

  runBenchmarkModel(context: CommandContext): Promise<number> {
    return runBenchmarkModel(context, { estimateLatency: this.#estimateLatency, random: this.#random, realtime: this.#realtime });
  }

  /** The adbd service behind an OPEN, or null for services this phone does not offer. */
  openService(service: string): AdbServiceHandler | null {
    if (service === 'shell:' || service === 'shell') return (socket) => serveInteractiveShell(socket, this);
    if (service.startsWith('shell:')) return (socket) => serveCommand(socket, this, service.slice('shell:'.length));
    if (service.startsWith('exec:')) return (socket) => serveCommand(socket, this, service.slice('exec:'.length));
    if (service === 'sync:') return (socket) => serveSync(socket, this.fs);
    // shell,v2 / shell,raw and every other service: not offered (no shell_v2 in the banner).
    return null;
  }
}
