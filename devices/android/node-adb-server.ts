/**
 * The phones of an adb server (host protocol over TCP), through @yume-chan/adb's AdbServerClient:
 * device list, live tracking, `adb connect`, and opening a phone as a PhoneAgent.
 */
import { AdbServerClient } from '@yume-chan/adb';
import { AdbServerNodeTcpConnector } from '@yume-chan/adb-server-node-tcp';

import { StudioError } from '../../core/shared/errors';

import { deviceError, isServerUnreachable, RSA_PROMPT_HINT, serverUnreachableError } from './adb-errors';
import { resolveAdbServerAddress } from './adb-server-address';
import { withDeadline } from './deadline';
import { AdbServerPhone } from './node-adb-phone';

import type { AdbServerAddress } from './adb-server-address';
import type { AdbDeviceEntry, PhoneAgent, PhoneCallOptions, PhoneHub } from './phone-agent';

const DEFAULT_TIMEOUT_MS = 10_000;
const ALL_STATES = ['device', 'unauthorized', 'offline'] as const;

function toEntry(device: AdbServerClient.Device): AdbDeviceEntry {
  return {
    serial: device.serial,
    state: device.state,
    product: device.product ?? null,
    model: device.model ?? null,
    device: device.device ?? null,
    transportId: device.transportId.toString(),
  };
}

export interface AdbServerHubOptions {
  /** Defaults to the adb tool's rules over process.env (ADB_SERVER_SOCKET, ANDROID_ADB_SERVER_PORT). */
  address?: AdbServerAddress;
}

export class AdbServerHub implements PhoneHub {
  readonly address: AdbServerAddress;
  readonly #client: AdbServerClient;

  constructor(options: AdbServerHubOptions = {}) {
    this.address = options.address ?? resolveAdbServerAddress(process.env);
    this.#client = new AdbServerClient(new AdbServerNodeTcpConnector({ host: this.address.host, port: this.address.port }));
  }

  async listDevices(options: PhoneCallOptions = {}): Promise<AdbDeviceEntry[]> {
    return this.#serverCall('listing the phones', options, async () => (await this.#client.getDevices([...ALL_STATES])).map(toEntry));
  }

  async trackDevices(onChange: (devices: AdbDeviceEntry[]) => void, onError?: (error: unknown) => void, options: { unref?: boolean } = {}): Promise<() => Promise<void>> {
    let observer: AdbServerClient.DeviceObserver;
    // The library opens the tracking socket unref'd and refs it only once it has answered, so
    // nothing would keep a bare Node process alive in between.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      observer = await this.#client.trackDevices({ includeStates: [...ALL_STATES], unref: options.unref ?? false });
    } catch (error) {
      throw isServerUnreachable(error) ? serverUnreachableError(this.address, error) : error;
    } finally {
      clearInterval(keepAlive);
    }
    onChange(observer.current.map(toEntry));
    const stopChange = observer.onListChange((devices) => onChange(devices.map(toEntry)));
    const stopError = observer.onError((error) => onError?.(isServerUnreachable(error) ? serverUnreachableError(this.address, error) : error));
    return async () => {
      stopChange();
      stopError();
      await observer.stop();
    };
  }

  async connect(address: string, options: PhoneCallOptions = {}): Promise<void> {
    await this.#serverCall(`adb connect ${address}`, options, async () => {
      try {
        await this.#client.wireless.connect(address);
      } catch (error) {
        if (error instanceof AdbServerClient.AlreadyConnectedError) return;
        if (error instanceof AdbServerClient.UnauthorizedError) {
          throw new StudioError('device/unauthorized', `${address} refused the connection: ${error.message}`, { cause: error, hint: RSA_PROMPT_HINT });
        }
        if (error instanceof AdbServerClient.NetworkError) {
          throw new StudioError('device/not-found', `adb could not connect to ${address}: ${error.message}`, {
            cause: error,
            hint: 'Check the address and that wireless debugging (or the simulated phone) listens there.',
          });
        }
        throw error;
      }
    });
  }

  async disconnect(address: string, options: PhoneCallOptions = {}): Promise<void> {
    await this.#serverCall(`adb disconnect ${address}`, options, () => this.#client.wireless.disconnect(address));
  }

  async openPhone(serial: string, options: PhoneCallOptions = {}): Promise<PhoneAgent> {
    const devices = await this.listDevices(options);
    const entry = devices.find((device) => device.serial === serial);
    if (entry === undefined) {
      throw new StudioError('device/not-found', `No phone ${serial} on the adb server at ${this.address.host}:${this.address.port}.`, {
        hint: 'Run `spvit devices` to see the connected phones; network phones need `adb connect HOST:PORT` first.',
        details: { serial, seen: devices.map((device) => device.serial) },
      });
    }
    if (entry.state === 'unauthorized' || entry.state === 'authorizing') {
      throw new StudioError('device/unauthorized', `${serial} has not authorised this computer yet.`, { hint: RSA_PROMPT_HINT, details: { serial } });
    }
    if (entry.state !== 'device') {
      throw new StudioError('device/disconnected', `${serial} is ${entry.state}.`, { hint: 'Reconnect the phone; `adb reconnect offline` may help.', details: { serial, state: entry.state } });
    }
    const adb = await withDeadline(`opening ${serial}`, { ...options, defaultTimeoutMs: DEFAULT_TIMEOUT_MS }, async () => {
      try {
        return await this.#client.createAdb({ transportId: BigInt(entry.transportId) });
      } catch (error) {
        throw deviceError(serial, error, { known: true, what: 'opening the phone' });
      }
    });
    return new AdbServerPhone({ serial, adb, isConnected: () => this.#isConnected(serial) });
  }

  /** Whether the phone is still listed in state `device` (after a stream broke). */
  async #isConnected(serial: string): Promise<boolean> {
    try {
      const devices = await this.#client.getDevices([...ALL_STATES]);
      return devices.some((device) => device.serial === serial && device.state === 'device');
    } catch (error) {
      // The server itself is gone: the phone is not reachable either.
      return isServerUnreachable(error) ? false : Promise.reject(error);
    }
  }

  #serverCall<T>(what: string, options: PhoneCallOptions, work: () => Promise<T>): Promise<T> {
    return withDeadline(what, { ...options, defaultTimeoutMs: DEFAULT_TIMEOUT_MS }, async () => {
      try {
        return await work();
      } catch (error) {
        if (isServerUnreachable(error)) throw serverUnreachableError(this.address, error);
        throw error;
      }
    });
  }
}
