/**
 * A checkpoint opened from files (ours or the official SPViT) and its token maps: the Open checkpoint
 * form, the maps models.tokenMaps computed, and whether the Token maps tab shows them or a run's.
 */
import { toShownError } from '../state/errors';

import type { CheckpointImages, CheckpointTokenMaps } from '../../../core/api/contracts/models';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';
import type { TokenMode } from './token-maps.svelte';

export type CheckpointImageSource = CheckpointImages['kind'];

export class CheckpointMapsState {
  dialogOpen = $state(false);
  weights = $state('');
  /** Empty: the config the checkpoint carries, else config.json beside the weights. */
  config = $state('');
  source: CheckpointImageSource = $state('npy');
  npyPath = $state('');
  sampleCount = $state(8);
  mode: TokenMode = $state('argmax');
  result: CheckpointTokenMaps | null = $state.raw(null);
  /** The Token maps tab shows the checkpoint's maps rather than a run's. */
  shown = $state(false);
  loading = $state(false);
  error: ShownError | null = $state.raw(null);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  get images(): CheckpointImages {
    return this.source === 'npy' ? { kind: 'npy', path: this.npyPath.trim() } : { kind: 'sample', count: this.sampleCount };
  }

  /** Runs the checkpoint on the images; true when its maps are shown. Errors stay in `error`. */
  async open(): Promise<boolean> {
    const config = this.config.trim();
    this.loading = true;
    try {
      this.result = await this.#client.api.models.tokenMaps({ weights: this.weights.trim(), images: this.images, mode: this.mode, ...(config === '' ? {} : { config }) });
      this.error = null;
      this.shown = true;
      this.dialogOpen = false;
      return true;
    } catch (error) {
      this.error = toShownError(error);
      return false;
    } finally {
      this.loading = false;
    }
  }
}
