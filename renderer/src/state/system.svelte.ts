/** The backend's identity (`system.info`) and a round-trip check (`system.echo`). */
import { toShownError } from './errors';

import type { ResultOf } from '../../../core/api/define';
import type { StudioClient, StudioContract } from '../boot/studio-client';
import type { ShownError } from './errors';

export type SystemInfo = ResultOf<StudioContract, 'system.info'>;

export interface EchoResult {
  readonly roundTripMs: number;
  readonly receivedAt: string;
}

export class SystemState {
  info: SystemInfo | null = $state.raw(null);
  error: ShownError | null = $state.raw(null);
  echo: EchoResult | null = $state.raw(null);
  echoing = $state(false);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  async refresh(): Promise<void> {
    try {
      this.info = await this.#client.api.system.info({});
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    }
  }

  /** Sends a message through the backend and back, and keeps how long it took. */
  async ping(): Promise<void> {
    this.echoing = true;
    const startedMs = performance.now();
    try {
      const { receivedAt } = await this.#client.api.system.echo({ message: 'ping' });
      this.echo = { roundTripMs: performance.now() - startedMs, receivedAt };
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.echoing = false;
    }
  }
}
