/**
 * The simulated phone's physical state: a clock and a first-order thermal model. Load heats the
 * CPU toward idle + power x resistance with the profile's time constant; idle time cools it back.
 * Above the throttle temperature the governor lowers the clocks (clockScale < 1).
 *
 * Simulated time runs at `timeScale` x wall-clock time (tests use a large scale so that a cool-down
 * takes milliseconds), plus the busy time of benchmarks that were answered faster than real time.
 */
import type { SimPhoneProfile } from './profiles/profile';

export interface SimPhoneStateOptions {
  profile: SimPhoneProfile;
  /** Simulated seconds per wall-clock second for cooling and clocks (1 = real time). */
  timeScale?: number;
  /** Starting CPU temperature; the profile's idle temperature by default. */
  initialTemperatureC?: number;
  /** Wall clock in ms; injectable for tests. */
  wallClockMs?: () => number;
}

export class SimPhoneState {
  readonly profile: SimPhoneProfile;
  readonly #timeScale: number;
  readonly #wallClockMs: () => number;
  readonly #wallStartMs: number;
  readonly #bootEpochS: number;
  #skewMs = 0;
  #temperatureC: number;
  #updatedAtMs = 0;

  constructor(options: SimPhoneStateOptions) {
    this.profile = options.profile;
    this.#timeScale = options.timeScale ?? 1;
    this.#wallClockMs = options.wallClockMs ?? Date.now;
    this.#wallStartMs = this.#wallClockMs();
    this.#bootEpochS = Math.floor(this.#wallStartMs / 1000);
    this.#temperatureC = options.initialTemperatureC ?? options.profile.thermal.idleC;
  }

  /** Simulated milliseconds since the phone booted. */
  nowMs(): number {
    return (this.#wallClockMs() - this.#wallStartMs) * this.#timeScale + this.#skewMs;
  }

  /** Unix time on the phone, seconds (file mtimes). */
  epochS(): number {
    return this.#bootEpochS + Math.floor(this.nowMs() / 1000);
  }

  cpuTemperatureC(): number {
    this.#coolToNow();
    return this.#temperatureC;
  }

  /** Temperatures of the thermal zones in milli-degrees C, as /sys/class/thermal reports them. */
  zoneTemperaturesMilliC(): number[] {
    const cpu = this.cpuTemperatureC();
    const ambient = this.profile.thermal.ambientC;
    return this.profile.thermal.zones.map((zone) => Math.round((ambient + (cpu - ambient) * zone.couplingToCpu) * 1000));
  }

  /** 1 below the throttle temperature, then lower clocks as the phone heats up. */
  clockScale(): number {
    const { throttleStartC, throttleSlopePerC, minClockScale } = this.profile.thermal;
    const over = this.cpuTemperatureC() - throttleStartC;
    if (over <= 0) return 1;
    return Math.max(minClockScale, 1 - over * throttleSlopePerC);
  }

  /**
   * Accounts `durationMs` of load at `powerW`. With `elapsesInRealTime` the caller sleeps for it
   * (scaled); otherwise the phone's clock jumps ahead by the busy time.
   */
  runBusy(durationMs: number, powerW: number, elapsesInRealTime = false): void {
    this.#coolToNow();
    const { idleC, resistanceCPerW, timeConstantS } = this.profile.thermal;
    const steadyC = idleC + powerW * resistanceCPerW;
    this.#temperatureC = steadyC + (this.#temperatureC - steadyC) * Math.exp(-durationMs / 1000 / timeConstantS);
    if (!elapsesInRealTime) this.#skewMs += durationMs;
    this.#updatedAtMs = Math.max(this.#updatedAtMs, this.nowMs()) + (elapsesInRealTime ? durationMs : 0);
  }

  /** Wall-clock milliseconds that `simulatedMs` take on this phone. */
  wallMsFor(simulatedMs: number): number {
    return simulatedMs / this.#timeScale;
  }

  #coolToNow(): void {
    const now = this.nowMs();
    if (now <= this.#updatedAtMs) return;
    const { idleC, timeConstantS } = this.profile.thermal;
    const elapsedS = (now - this.#updatedAtMs) / 1000;
    this.#temperatureC = idleC + (this.#temperatureC - idleC) * Math.exp(-elapsedS / timeConstantS);
    this.#updatedAtMs = now;
  }
}
