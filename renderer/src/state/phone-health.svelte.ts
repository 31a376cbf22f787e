/** A phone's identity and health (devices.phoneInfo), read when its details open and on request. */
import { toShownError } from './errors';

import type { PhoneInfo } from '../../../core/api/contracts/devices';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from './errors';

export class PhoneHealth {
  info: PhoneInfo | null = $state.raw(null);
  error: ShownError | null = $state.raw(null);
  loading = $state(false);
  readonly #client: StudioClient;
  readonly #serial: string;

  constructor(client: StudioClient, serial: string) {
    this.#client = client;
    this.#serial = serial;
  }

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      this.info = await this.#client.api.devices.phoneInfo({ serial: this.#serial });
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.loading = false;
    }
  }
}

/** "4 × 1.8 GHz, 3 × 2.4 GHz, 1 × 2.7 GHz" from the phone's CPU clusters. */
export function describeClusters(clusters: PhoneInfo['health']['clusters']): string {
  return clusters.map((cluster) => `${cluster.cpus.length} × ${(cluster.maxFreqKHz / 1e6).toFixed(1)} GHz`).join(', ') || 'unknown';
}
