/**
 * The device node for runs from the editor: which phone or board the pipeline targets, checked to be
 * there. A phone is named by its adb serial, or is the only phone attached; a board by its console.
 */
import { StudioError } from '../../../core/shared/errors';

import type { NodeExecutor } from '../../../core/pipeline';
import type { Jsonable } from '../../../core/shared/jsonable';
import type { PhoneHub } from '../../../devices/android/phone-agent';

interface DeviceConfig {
  deviceKind: string;
  serial?: string;
  serialPath?: string;
  [key: string]: unknown;
}

function signalOf(like: { aborted: boolean }): AbortSignal | undefined {
  return like instanceof AbortSignal ? like : undefined;
}

async function pickPhone(hub: PhoneHub, config: DeviceConfig, signal: AbortSignal | undefined): Promise<string> {
  const entries = await hub.listDevices(signal === undefined ? {} : { signal });
  if (config.serial !== undefined) {
    const entry = entries.find((candidate) => candidate.serial === config.serial);
    if (entry === undefined) {
      throw new StudioError('device/not-found', `No phone ${config.serial} on the adb server.`, { details: { field: 'config.serial' }, hint: 'Plug it in with USB debugging on, or `adb connect` it (Devices panel, Add a device).' });
    }
    if (entry.state !== 'device') {
      throw new StudioError(entry.state === 'unauthorized' ? 'device/unauthorized' : 'device/disconnected', `Phone ${config.serial} is ${entry.state}.`, { details: { field: 'config.serial', state: entry.state }, hint: "Accept the 'Allow USB debugging?' prompt on the phone, or reconnect it." });
    }
    return entry.serial;
  }
  const ready = entries.filter((entry) => entry.state === 'device');
  const only = ready[0];
  if (ready.length === 1 && only !== undefined) return only.serial;
  if (ready.length === 0) {
    throw new StudioError('device/not-found', 'No phone is attached to the adb server.', { details: { field: 'config.serial' }, hint: 'Connect a phone (USB debugging, or `adb connect HOST:PORT`; `spvit sim phone` starts a simulated one).' });
  }
  throw new StudioError('input/invalid', `${ready.length} phones are attached (${ready.map((entry) => entry.serial).join(', ')}); the device node must name one.`, { details: { field: 'config.serial' }, hint: 'Set the serial of the phone in the device node.' });
}

export function createDeviceExecutor(options: { hub: () => PhoneHub }): NodeExecutor<'device'> {
  return {
    kind: 'device',
    async execute(context) {
      const config = context.node.config as DeviceConfig;
      if (config.deviceKind === 'android') {
        context.progress(null, 'looking for the phone');
        const id = await pickPhone(options.hub(), config, signalOf(context.signal));
        return { device: { ...config, id } as unknown as Jsonable };
      }
      if (config.deviceKind === 'zcu102') {
        if (config.serialPath === undefined) {
          throw new StudioError('input/invalid', 'The board node needs the path of its serial console.', { details: { field: 'config.serialPath' }, hint: 'Set serialPath (e.g. /dev/serial/by-id/…, or the --link of `spvit sim zcu102`).' });
        }
        return { device: { ...config, id: `zcu102@${config.serialPath}` } as unknown as Jsonable };
      }
      throw new StudioError('not-implemented', `No '${config.deviceKind}' devices in this studio build.`, { details: { field: 'config.deviceKind' }, hint: 'Use an android or zcu102 device node.' });
    },
  };
}
