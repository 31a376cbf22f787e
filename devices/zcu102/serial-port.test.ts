import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openError } from './node-serial-console';
import { resolveSerialPath } from './serial-path';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spvit-serial-path-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveSerialPath', () => {
  it('remembers the by-id link of a /dev/ttyUSBn-style path', async () => {
    const device = join(dir, 'ttyUSB1');
    await writeFile(device, '');
    const byId = join(dir, 'by-id');
    await mkdir(byId);
    const stable = join(byId, 'usb-Silicon_Labs_CP2108_Quad_USB_to_UART_Bridge_Controller_1234-if00-port0');
    await symlink(device, stable);
    await symlink(join(dir, 'gone'), join(byId, 'usb-dangling-if00-port0'));
    expect(await resolveSerialPath(device, byId)).toEqual({ path: device, devicePath: device, stablePath: stable });
    expect((await resolveSerialPath(stable, byId)).stablePath).toBe(stable);
  });

  it('keeps the given path when there is no by-id folder or no link to the device', async () => {
    const device = join(dir, 'pts-link');
    await writeFile(device, '');
    expect((await resolveSerialPath(device, join(dir, 'missing'))).stablePath).toBe(device);
  });
});

describe('serial open errors', () => {
  const errno = (code: string, message: string): Error => Object.assign(new Error(message), { code });

  it('says how to get permission for EACCES', () => {
    const error = openError('/dev/ttyUSB0', errno('EACCES', "EACCES: permission denied, access '/dev/ttyUSB0'"));
    expect(error.code).toBe('device/permission');
    expect(error.hint).toMatch(/usermod -aG dialout/);
  });

  it('maps ENOENT and serialport messages to their codes', () => {
    expect(openError('/dev/ttyUSB9', errno('ENOENT', 'no such file')).code).toBe('device/not-found');
    expect(openError('/dev/ttyUSB0', new Error('Error: Permission denied, cannot open /dev/ttyUSB0')).code).toBe('device/permission');
    const busy = openError('/dev/ttyUSB0', new Error('Error Resource temporarily unavailable Cannot lock port'));
    expect(busy.code).toBe('device/failed');
    expect(busy.hint).toMatch(/minicom/);
  });
});
