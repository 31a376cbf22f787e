/** The Token maps view: which run, split and mode, and the maps training.tokenMaps computed. */
import { toShownError } from '../state/errors';

import type { TokenMapsResult } from '../../../core/api/contracts/training';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';

export type TokenSplit = 'test' | 'val' | 'train';
export type TokenMode = 'argmax' | 'topk' | 'stochastic';

export class TokenMapsState {
  runId: string | null = $state(null);
  split: TokenSplit = $state('test');
  mode: TokenMode = $state('argmax');
  images = $state(8);
  result: TokenMapsResult | null = $state.raw(null);
  /** The run the result belongs to. */
  shownRunId: string | null = $state(null);
  loading = $state(false);
  error: ShownError | null = $state.raw(null);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  async load(): Promise<void> {
    const runId = this.runId;
    if (runId === null) return;
    this.loading = true;
    try {
      const result = await this.#client.api.training.tokenMaps({ runId, images: this.images, split: this.split, mode: this.mode });
      if (this.runId !== runId) return;
      this.result = result;
      this.shownRunId = runId;
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.loading = false;
    }
  }
}
