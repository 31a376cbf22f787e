/**
 * Attached phones and boards, from `devices.list` and `devices.changed`; the board consoles the user
 * connected (remembered), `adb connect` for network phones, and the serial ports to pick from.
 */
import { StudioError } from '../../../core/shared/errors';

import { toShownError } from './errors';
import { devicesViewFromError, sortDevices } from './devices-view';
import { parseSerialPaths, SERIAL_PATHS_KEY, withPath } from './serial-paths';

import type { DeviceSummary } from '../../../core/api/contracts/devices';
import type { ResultOf } from '../../../core/api/define';
import type { StudioClient, StudioContract } from '../boot/studio-client';
import type { DevicesView } from './devices-view';
import type { ShownError } from './errors';

/** Board states that mean the console could not be opened at all. */
const UNREACHABLE: ReadonlySet<string> = new Set(['not-found', 'no-permission', 'error']);

export type SerialPortEntry = ResultOf<StudioContract, 'devices.serialPorts'>['ports'][number];

export class DevicesState {
  view: DevicesView = $state.raw({ kind: 'loading' });
  refreshing = $state(false);
  serialPaths: readonly string[] = $state.raw([]);
  serialPorts: readonly SerialPortEntry[] = $state.raw([]);
  connecting = $state(false);
  /** Why the last connect (adb connect, a board console) failed. */
  connectError: ShownError | null = $state.raw(null);
  readonly #client: StudioClient;
  readonly #storage: Storage | null;

  constructor(client: StudioClient, win?: Window) {
    this.#client = client;
    this.#storage = openStorage(win);
    this.serialPaths = parseSerialPaths(this.#storage?.getItem(SERIAL_PATHS_KEY) ?? null);
  }

  attach(): () => void {
    return this.#client.on('devices.changed', ({ devices }) => {
      // The event carries the devices only; the problems stay those of the last listing.
      const problems = this.view.kind === 'ready' ? this.view.problems : [];
      this.view = { kind: 'ready', devices: sortDevices(devices), problems };
    });
  }

  find(id: string): DeviceSummary | null {
    return this.view.kind === 'ready' ? (this.view.devices.find((device) => device.id === id) ?? null) : null;
  }

  async refresh(): Promise<void> {
    this.refreshing = true;
    try {
      const { devices, problems } = await this.#client.api.devices.list({ serialPaths: [...this.serialPaths] });
      this.view = { kind: 'ready', devices: sortDevices(devices), problems };
    } catch (error) {
      this.view = devicesViewFromError(error);
    } finally {
      this.refreshing = false;
    }
  }

  /** `adb connect HOST:PORT`; the phone then shows up in the list. */
  async connectNetwork(address: string): Promise<boolean> {
    return this.#connecting(async () => {
      const { devices, problems } = await this.#client.api.devices.connect({ address });
      const boards = this.view.kind === 'ready' ? this.view.devices.filter((device) => device.kind !== 'android') : [];
      this.view = { kind: 'ready', devices: sortDevices([...devices.filter((device) => device.kind === 'android'), ...boards]), problems };
    });
  }

  /** Looks at a board console and remembers it, so the board is listed from now on. */
  async connectSerial(path: string): Promise<boolean> {
    const ok = await this.#connecting(async () => {
      const { devices, problems } = await this.#client.api.devices.list({ serialPaths: [path] });
      const board = devices.find((device) => device.kind === 'zcu102');
      if (board === undefined) throw new StudioError('device/not-found', problems[0]?.message ?? `Nothing answered on ${path}.`, { hint: problems[0]?.hint ?? 'Check the path of the console.' });
      if (UNREACHABLE.has(board.state)) {
        const hint = typeof board.details['hint'] === 'string' ? board.details['hint'] : 'Check the path, that the board is on, and that you may open the port.';
        throw new StudioError(board.state === 'no-permission' ? 'device/permission' : 'device/not-found', `${path}: ${String(board.details['error'] ?? board.state)}`, { hint });
      }
    });
    if (ok) {
      this.#rememberPaths(withPath(this.serialPaths, path));
      await this.refresh();
    }
    return ok;
  }

  async forgetSerial(path: string): Promise<void> {
    this.#rememberPaths(this.serialPaths.filter((entry) => entry !== path));
    await this.refresh();
  }

  async loadSerialPorts(): Promise<void> {
    try {
      this.serialPorts = (await this.#client.api.devices.serialPorts({})).ports;
    } catch (error) {
      this.connectError = toShownError(error);
    }
  }

  async #connecting(action: () => Promise<void>): Promise<boolean> {
    this.connecting = true;
    this.connectError = null;
    try {
      await action();
      return true;
    } catch (error) {
      this.connectError = toShownError(error);
      return false;
    } finally {
      this.connecting = false;
    }
  }

  #rememberPaths(paths: string[]): void {
    this.serialPaths = paths;
    try {
      this.#storage?.setItem(SERIAL_PATHS_KEY, JSON.stringify(paths));
    } catch (error) {
      // Full or disabled storage: the consoles are then remembered for this page only.
      console.warn('Could not remember the board consoles:', error);
    }
  }
}

function openStorage(win: Window | undefined): Storage | null {
  try {
    return win?.localStorage ?? null;
  } catch (error) {
    // Storage disabled by policy: nothing is remembered across sessions.
    console.warn('No local storage for the board consoles:', error);
    return null;
  }
}
