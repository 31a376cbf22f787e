/**
 * devices.*: phones from the adb server (listed, tracked live, `adb connect`) and ZCU102 boards on
 * serial consoles. `devices.changed` goes out whenever the adb server's device list changes; the
 * tracking starts with the first `devices.list` and retries quietly while no adb server runs.
 */
import { isStudioError, toSerializedError } from '../../../core/shared/errors';
import { readDeviceInfo } from '../../../devices/android/device-info';
import { listPhones, phoneSummary } from '../../../devices/android/list-phones';
import { AdbServerHub } from '../../../devices/android/node-adb-server';
import { listZcu102Boards } from '../../../devices/zcu102/list-boards';

import { toAbortSignal } from '../abort';

import type { DeviceSourceProblem, DeviceSummary } from '../../../core/api/contracts/devices';
import type { AndroidDeviceInfo } from '../../../devices/android/device-info';
import type { AdbDeviceEntry, PhoneHub } from '../../../devices/android/phone-agent';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

export interface DeviceListing {
  devices: DeviceSummary[];
  problems: DeviceSourceProblem[];
}

function problemOf(source: DeviceSourceProblem['source'], error: unknown): DeviceSourceProblem {
  const serialized = toSerializedError(error);
  return { source, code: serialized.code, message: serialized.message, ...(serialized.hint === undefined ? {} : { hint: serialized.hint }) };
}

/** Phones and boards together; a source that fails becomes a problem entry, not a failed listing. */
export async function listAllDevices(options: { hub: PhoneHub; serialPaths: readonly string[]; signal?: AbortSignal; infoCache?: Map<string, AndroidDeviceInfo> }): Promise<DeviceListing> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const problems: DeviceSourceProblem[] = [];
  const [phones, boards] = await Promise.all([
    listPhones(options.hub, { ...call, ...(options.infoCache === undefined ? {} : { cache: options.infoCache }) }).catch((error: unknown) => {
      if (isStudioError(error, 'cancelled')) throw error;
      problems.push(problemOf('adb', error));
      return [];
    }),
    options.serialPaths.length === 0
      ? Promise.resolve([])
      : listZcu102Boards(options.serialPaths, call).catch((error: unknown) => {
          if (isStudioError(error, 'cancelled')) throw error;
          problems.push(problemOf('serial', error));
          return [];
        }),
  ]);
  return { devices: [...phones, ...boards], problems };
}

const RETRY_MS = 5_000;
/**
 * adb servers before 30 do not tell track-devices when a phone turns unauthorized or back to
 * device after the RSA prompt; while any phone is in such a state the list is also re-read.
 */
const UNSETTLED_REFRESH_MS = 3_000;

/** Follows the adb server's device list (track-devices) and reports full device lists. */
export class DeviceWatcher {
  readonly #hub: () => PhoneHub;
  readonly #infoCache = new Map<string, AndroidDeviceInfo>();
  readonly #listeners = new Set<(listing: { devices: DeviceSummary[] }) => void>();
  #boards: DeviceSummary[] = [];
  #stop: (() => Promise<void>) | null = null;
  #starting = false;
  #retry: NodeJS.Timeout | null = null;
  #refresh: NodeJS.Timeout | null = null;
  #disposed = false;
  #lastPayload = '';

  constructor(hub: () => PhoneHub) {
    this.#hub = hub;
  }

  get infoCache(): Map<string, AndroidDeviceInfo> {
    return this.#infoCache;
  }

  onChange(listener: (listing: { devices: DeviceSummary[] }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Boards are not tracked; the last listing's boards ride along with phone changes. */
  rememberBoards(boards: DeviceSummary[]): void {
    this.#boards = boards;
  }

  ensureStarted(): void {
    if (this.#stop !== null || this.#starting || this.#disposed) return;
    this.#starting = true;
    this.#hub()
      .trackDevices(
        (entries) => void this.#publish(entries),
        () => this.#restartLater(),
        { unref: true },
      )
      .then((stop) => {
        this.#starting = false;
        if (this.#disposed) void stop();
        else this.#stop = stop;
      })
      .catch(() => {
        // No adb server yet: try again later, quietly (devices.list reports the problem).
        this.#starting = false;
        this.#restartLater();
      });
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    if (this.#refresh !== null) clearTimeout(this.#refresh);
    const stop = this.#stop;
    this.#stop = null;
    await stop?.().catch(() => undefined);
  }

  #restartLater(): void {
    const stop = this.#stop;
    this.#stop = null;
    void stop?.().catch(() => undefined);
    if (this.#disposed || this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.ensureStarted();
    }, RETRY_MS);
    this.#retry.unref();
  }

  #refreshWhileUnsettled(entries: readonly AdbDeviceEntry[]): void {
    if (this.#disposed || this.#refresh !== null || entries.every((entry) => entry.state === 'device')) return;
    this.#refresh = setTimeout(() => {
      this.#refresh = null;
      this.#hub()
        .listDevices({ timeoutMs: 5_000 })
        .then((fresh) => this.#publish(fresh))
        .catch(() => {
          // The tracker reports a missing server; nothing to add here.
        });
    }, UNSETTLED_REFRESH_MS);
    this.#refresh.unref();
  }

  async #publish(entries: AdbDeviceEntry[]): Promise<void> {
    this.#refreshWhileUnsettled(entries);
    // Known phones keep their identity; new ones in state `device` are read once.
    const phones = await Promise.all(
      entries.map(async (entry) => {
        const key = `${entry.serial}#${entry.transportId}`;
        let info = this.#infoCache.get(key) ?? null;
        if (info === null && entry.state === 'device') {
          try {
            const phone = await this.#hub().openPhone(entry.serial, { timeoutMs: 8_000 });
            try {
              info = await readDeviceInfo(phone, { timeoutMs: 8_000 });
              this.#infoCache.set(key, info);
            } finally {
              await phone.close();
            }
          } catch (error) {
            return phoneSummary(entry, null, error);
          }
        }
        return phoneSummary(entry, entry.state === 'device' ? info : null);
      }),
    );
    const payload = { devices: [...phones, ...this.#boards] };
    const text = JSON.stringify(payload.devices.map((device) => [device.id, device.state, device.model]));
    if (text === this.#lastPayload || this.#disposed) return;
    this.#lastPayload = text;
    for (const listener of this.#listeners) listener(payload);
  }
}

export function devicesHandlers(
  _deps: BackendDeps,
  services: { hub: () => PhoneHub; watcher: DeviceWatcher },
): BackendHandlers<'devices.list' | 'devices.connect' | 'devices.phoneInfo'> {
  const list = async (serialPaths: readonly string[], signal: AbortSignal): Promise<DeviceListing> => {
    services.watcher.ensureStarted();
    const listing = await listAllDevices({ hub: services.hub(), serialPaths, signal, infoCache: services.watcher.infoCache });
    services.watcher.rememberBoards(listing.devices.filter((device) => device.kind !== 'android'));
    return listing;
  };
  return {
    'devices.list': ({ serialPaths }, { signal }) => list(serialPaths, toAbortSignal(signal)),
    'devices.connect': async ({ address }, { signal }) => {
      const abortSignal = toAbortSignal(signal);
      await services.hub().connect(address, { signal: abortSignal });
      return list([], abortSignal);
    },
    'devices.phoneInfo': async ({ serial }, { signal }) => {
      const abortSignal = toAbortSignal(signal);
      const phone = await services.hub().openPhone(serial, { signal: abortSignal });
      try {
        return await readDeviceInfo(phone, { signal: abortSignal });
      } finally {
        await phone.close();
      }
    },
  };
}

/** The adb server address comes from the environment, read when first needed. */
export function lazyAdbServerHub(): () => PhoneHub {
  let hub: PhoneHub | null = null;
  return () => {
    hub ??= new AdbServerHub();
    return hub;
  };
}

