/** devices.serialPorts: the serial ports a board console may be on, for the Devices panel's picker. */
import { SerialPort } from 'serialport';

import { resolveSerialPath } from '../../../devices/zcu102/serial-path';

import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

export function serialPortHandlers(_deps: BackendDeps): BackendHandlers<'devices.serialPorts'> {
  return {
    'devices.serialPorts': async () => {
      const listed = await SerialPort.list();
      const ports = await Promise.all(
        listed.map(async (port) => ({
          path: port.path,
          stablePath: await resolveSerialPath(port.path).then(
            (resolved) => resolved.stablePath,
            // A port that vanished between listing and looking: keep the listed name.
            () => port.path,
          ),
          manufacturer: port.manufacturer ?? null,
          serialNumber: port.serialNumber ?? null,
        })),
      );
      return { ports };
    },
  };
}
