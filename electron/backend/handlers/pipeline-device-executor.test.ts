import { describe, expect, it } from 'vitest';

import { NEVER_ABORTED } from '../../../core/shared/abort';
import { GALAXY_S20 } from '../../../devices/sim/phone/profiles/galaxy-s20';
import { SimPhone } from '../../../devices/sim/phone/sim-phone';
import { SimPhoneAgent } from '../../../devices/sim/phone/sim-phone-agent';

import { createDeviceExecutor } from './pipeline-device-executor';

import type { AdbDeviceEntry, PhoneHub } from '../../../devices/android/phone-agent';

/** A hub over in-process simulated phones, each listed in the given adb state. */
function simHub(phones: { serial: string; state: string }[]): PhoneHub {
  const entries: AdbDeviceEntry[] = phones.map(({ serial, state }, i) => ({ serial, state, product: 'x1seea', model: 'SM_G980F', device: 'x1s', transportId: String(i + 1) }));
  return {
    listDevices: async () => entries,
    trackDevices: async (onChange) => {
      onChange(entries);
      return async () => undefined;
    },
    connect: async () => undefined,
    disconnect: async () => undefined,
    openPhone: async (serial) => new SimPhoneAgent(new SimPhone({ profile: structuredClone(GALAXY_S20), seed: 1 }), serial),
  };
}

async function run(phones: { serial: string; state: string }[], config: Record<string, unknown>): Promise<unknown> {
  const executor = createDeviceExecutor({ hub: () => simHub(phones) });
  const context = { node: { id: 'phone', kind: 'device', config }, signal: NEVER_ABORTED, progress: () => undefined };
  return executor.execute(context as never);
}

describe('the device node', () => {
  it('takes the only phone attached, or the one named', async () => {
    expect(await run([{ serial: '127.0.0.1:5600', state: 'device' }], { deviceKind: 'android', threads: 4 })).toEqual({ device: { deviceKind: 'android', threads: 4, id: '127.0.0.1:5600' } });
    const two = [{ serial: 'a:1', state: 'device' }, { serial: 'b:2', state: 'device' }];
    expect(await run(two, { deviceKind: 'android', serial: 'b:2' })).toMatchObject({ device: { id: 'b:2' } });
    await expect(run(two, { deviceKind: 'android' })).rejects.toMatchObject({ code: 'input/invalid', message: '2 phones are attached (a:1, b:2); the device node must name one.' });
  });

  it('says why a phone cannot be used, with what to do', async () => {
    await expect(run([], { deviceKind: 'android' })).rejects.toMatchObject({ code: 'device/not-found', hint: expect.stringMatching(/adb connect/) as unknown as string });
    await expect(run([{ serial: 'a:1', state: 'unauthorized' }], { deviceKind: 'android', serial: 'a:1' })).rejects.toMatchObject({ code: 'device/unauthorized' });
    await expect(run([], { deviceKind: 'android', serial: 'gone:1' })).rejects.toMatchObject({ code: 'device/not-found', details: { field: 'config.serial' } });
  });

  it('names a board by its console and asks for one when it is missing', async () => {
    expect(await run([], { deviceKind: 'zcu102', serialPath: '/dev/ttyUSB1' })).toMatchObject({ device: { id: 'zcu102@/dev/ttyUSB1' } });
    await expect(run([], { deviceKind: 'zcu102' })).rejects.toMatchObject({ code: 'input/invalid', details: { field: 'config.serialPath' } });
  });
});
