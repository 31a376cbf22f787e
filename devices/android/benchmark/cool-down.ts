/**
 * Waits for a phone to cool below a threshold between long runs, so that latency tables are not
 * skewed by thermal throttling. Polls the thermal zones; gives up after a timeout (the caller
 * records that the threshold was not reached rather than waiting forever).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { StudioError } from '../../../core/shared/errors';

import { readThermalSnapshot } from '../device-info';

import type { ThermalSnapshot } from '../device-info';
import type { PhoneAgent } from '../phone-agent';

export interface CoolDownOptions {
  /** Wait until the hottest CPU sensor is at or below this, degrees C. */
  thresholdC: number;
  /** Give up after this long (the run then proceeds, marked as not cooled). */
  timeoutMs: number;
  /** Between thermal reads. */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface CoolDownResult {
  reachedThreshold: boolean;
  waitedMs: number;
  startC: number | null;
  endC: number | null;
  /** Every reading taken while waiting (kept with the measurement). */
  readings: { atMs: number; cpuTemperatureC: number | null }[];
  last: ThermalSnapshot;
}

const DEFAULT_POLL_MS = 2_000;

export async function waitForCoolDown(phone: PhoneAgent, options: CoolDownOptions): Promise<CoolDownResult> {
  const started = Date.now();
  const readings: CoolDownResult['readings'] = [];
  const read = async (): Promise<ThermalSnapshot> => {
    const snapshot = await readThermalSnapshot(phone, { timeoutMs: 15_000, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    readings.push({ atMs: Date.now() - started, cpuTemperatureC: snapshot.cpuTemperatureC });
    return snapshot;
  };
  let snapshot = await read();
  const startC = snapshot.cpuTemperatureC;
  // A phone without readable CPU sensors cannot be waited for; say so in the result.
  while (snapshot.cpuTemperatureC !== null && snapshot.cpuTemperatureC > options.thresholdC) {
    const elapsed = Date.now() - started;
    if (elapsed >= options.timeoutMs) break;
    try {
      await sleep(Math.min(options.pollMs ?? DEFAULT_POLL_MS, options.timeoutMs - elapsed), undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch (error) {
      throw new StudioError('cancelled', `Waiting for ${phone.serial} to cool down was cancelled.`, { cause: error });
    }
    snapshot = await read();
  }
  return {
    reachedThreshold: snapshot.cpuTemperatureC !== null && snapshot.cpuTemperatureC <= options.thresholdC,
    waitedMs: Date.now() - started,
    startC,
    endC: snapshot.cpuTemperatureC,
    readings,
    last: snapshot,
  };
}
