/**
 * Phones on the adb server as DeviceSummary entries (`spvit devices`, `devices.list`): the adb
 * state plus, for phones that are ready, identity and health read from the phone (cached per
 * connection, since identity does not change while the phone stays connected).
 */
import { toSerializedError } from '../../core/shared/errors';

import { readDeviceInfo } from './device-info';

import type { DeviceSummary } from '../../core/api/contracts/devices';
import type { AndroidDeviceInfo } from './device-info';
import type { AdbDeviceEntry, PhoneHub } from './phone-agent';

export interface ListPhonesOptions {
  signal?: AbortSignal;
  /** Per phone, for reading its identity. */
  timeoutMs?: number;
  /** Identity already read, by `serial#transportId`; filled by this call. */
  cache?: Map<string, AndroidDeviceInfo>;
}

function cacheKey(entry: AdbDeviceEntry): string {
  return `${entry.serial}#${entry.transportId}`;
}

export function phoneSummary(entry: AdbDeviceEntry, info: AndroidDeviceInfo | null, problem: unknown = null): DeviceSummary {
  const identity = info?.identity;
  const health = info?.health;
  const details: Record<string, unknown> = {
    transportId: entry.transportId,
    product: entry.product,
    device: entry.device,
    manufacturer: identity?.manufacturer ?? null,
    soc: identity?.soc ?? null,
    androidVersion: identity?.androidVersion ?? null,
    sdk: identity?.sdk ?? null,
    abi: identity?.abi ?? null,
    bigCoreMask: health?.bigCoreMask ?? null,
    clusters: health?.clusters ?? [],
    cpuTemperatureC: health?.cpuTemperatureC ?? null,
    batteryPercent: health?.battery?.levelPercent ?? null,
    batteryTemperatureC: health?.battery?.temperatureC ?? null,
  };
  if (entry.state === 'unauthorized') details.hint = "Accept the 'Allow USB debugging?' (RSA key) prompt on the phone.";
  if (problem !== null) details.error = toSerializedError(problem);
  return {
    id: entry.serial,
    kind: 'android',
    state: entry.state,
    // adb's listing replaces spaces in the model with underscores; the phone's own getprop does not.
    model: identity?.model ?? entry.model?.replace(/_/g, ' ') ?? null,
    simulated: (identity?.simulator ?? null) !== null,
    details,
  };
}

export async function listPhones(hub: PhoneHub, options: ListPhonesOptions = {}): Promise<DeviceSummary[]> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const entries = await hub.listDevices(call);
  const cache = options.cache ?? new Map<string, AndroidDeviceInfo>();
  return Promise.all(
    entries.map(async (entry) => {
      if (entry.state !== 'device') return phoneSummary(entry, null);
      const cached = cache.get(cacheKey(entry));
      try {
        const phone = await hub.openPhone(entry.serial, { ...call, timeoutMs: options.timeoutMs ?? 8_000 });
        try {
          // Read every time (temperatures and battery change); the cache keeps the last good read.
          const info = await readDeviceInfo(phone, { ...call, timeoutMs: options.timeoutMs ?? 8_000 });
          cache.set(cacheKey(entry), info);
          return phoneSummary(entry, info);
        } finally {
          await phone.close();
        }
      } catch (error) {
        return phoneSummary(entry, cached ?? null, error);
      }
    }),
  );
}
