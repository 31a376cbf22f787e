/** Attached phones and boards, from `devices.list` and `devices.changed`. */
import { devicesViewFromError, sortDevices } from './devices-view';

import type { DeviceSummary } from '../../../core/api/contracts/devices';
import type { StudioClient } from '../boot/studio-client';
import type { DevicesView } from './devices-view';

export class DevicesState {
  view: DevicesView = $state.raw({ kind: 'loading' });
  refreshing = $state(false);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
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
      const { devices, problems } = await this.#client.api.devices.list({});
      this.view = { kind: 'ready', devices: sortDevices(devices), problems };
    } catch (error) {
      this.view = devicesViewFromError(error);
    } finally {
      this.refreshing = false;
    }
  }
}
