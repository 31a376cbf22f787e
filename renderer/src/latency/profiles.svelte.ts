/**
 * Latency profiles under way, by device: `latency.profile` jobs with the points they measured so
 * far (latency.profileProgress), and cancellation. The job's own state comes from the Jobs feed.
 */
import { toShownError } from '../state/errors';

import { NO_PROFILES, replaced } from './profile-runs';

import type { LatencyProfileParams } from '../../../core/api/contracts/latency';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';
import type { ProfileRun } from './profile-runs';

export type ProfileRequest = Omit<LatencyProfileParams, 'deviceId'>;

export class ProfilesState {
  /** The latest profile of each device (running or ended). */
  byDevice: ReadonlyMap<string, ProfileRun> = $state.raw(NO_PROFILES);
  starting = $state(false);
  error: ShownError | null = $state.raw(null);
  /** The device whose profile dialog is open. */
  dialogFor: string | null = $state(null);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  attach(): () => void {
    return this.#client.on('latency.profileProgress', (event) => {
      const run = this.byDevice.get(event.deviceId);
      if (run === undefined || run.runId !== event.runId) return;
      this.byDevice = replaced(this.byDevice, event.deviceId, { ...run, events: [...run.events, event] });
    });
  }

  forDevice(deviceId: string): ProfileRun | null {
    return this.byDevice.get(deviceId) ?? null;
  }

  async start(deviceId: string, request: ProfileRequest): Promise<string | null> {
    this.starting = true;
    this.error = null;
    try {
      const { runId } = await this.#client.api.latency.profile({ deviceId, ...request });
      this.byDevice = replaced(this.byDevice, deviceId, { runId, deviceId, model: request.arch ?? request.modelDir ?? 'model', events: [] });
      this.dialogFor = null;
      return runId;
    } catch (error) {
      this.error = toShownError(error);
      return null;
    } finally {
      this.starting = false;
    }
  }

  async cancel(deviceId: string): Promise<void> {
    const run = this.byDevice.get(deviceId);
    if (run === undefined) return;
    try {
      await this.#client.api.jobs.cancel({ runId: run.runId });
    } catch (error) {
      this.error = toShownError(error);
    }
  }
}
