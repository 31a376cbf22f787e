import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { devicesMethods } from '../../../core/api/contracts/devices';
import { method } from '../../../core/api/define';
import { createInMemoryTransport } from '../../../core/api/in-memory-transport';
import { serve } from '../../../core/api/server';
import { StudioError } from '../../../core/shared/errors';
import { createStudioClient } from '../boot/studio-client';

import { devicesViewFromError, sortDevices } from './devices-view';

import type { DeviceSummary } from '../../../core/api/contracts/devices';

async function viewFrom(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (error) {
    return devicesViewFromError(error);
  }
  throw new Error('expected the call to fail');
}

describe('devicesViewFromError', () => {
  it('reads a backend without devices.list as "no device service", from the error code', async () => {
    const olderBackend = serve(
      { methods: { 'system.echo': method({ description: 'echo', params: z.object({}), result: z.object({}) }) }, events: {} },
      { 'system.echo': async () => ({}) },
    );
    const client = createStudioClient(createInMemoryTransport(olderBackend));
    const view = await viewFrom(() => client.api.devices.list({}));
    expect(view).toEqual({ kind: 'unavailable', detail: "Unknown method 'devices.list'." });
  });

  it('shows a device error with its code and hint', async () => {
    const backend = serve({ methods: { 'devices.list': devicesMethods['devices.list'] }, events: {} }, {
      'devices.list': async () => {
        throw new StudioError('device/timeout', 'The adb server did not answer in 5 s.', { hint: 'Start it with `adb start-server`.' });
      },
    });
    const client = createStudioClient(createInMemoryTransport(backend));
    const view = await viewFrom(() => client.api.devices.list({}));
    expect(view).toEqual({
      kind: 'failed',
      error: { code: 'device/timeout', message: 'The adb server did not answer in 5 s.', hint: 'Start it with `adb start-server`.' },
    });
  });
});

describe('sortDevices', () => {
  it('lists phones before boards, each by id', () => {
    const device = (id: string, kind: DeviceSummary['kind']): DeviceSummary => ({ id, kind, state: 'device', model: null, simulated: true, details: {} });
    const sorted = sortDevices([device('zcu102@/dev/pts/3', 'zcu102'), device('emulator-5556', 'android'), device('127.0.0.1:5555', 'android')]);
    expect(sorted.map((d) => d.id)).toEqual(['127.0.0.1:5555', 'emulator-5556', 'zcu102@/dev/pts/3']);
  });
});
