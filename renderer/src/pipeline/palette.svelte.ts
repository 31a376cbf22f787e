/** The node kinds the backend offers (pipeline.palette), loaded when the link opens. */
import { toShownError } from '../state/errors';

import { indexPalette } from './connect-check';

import type { PaletteKind } from '../../../core/api/contracts/pipeline';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';
import type { PaletteIndex } from './connect-check';

export class PaletteState {
  kinds: readonly PaletteKind[] = $state.raw([]);
  index: PaletteIndex = $derived(indexPalette(this.kinds));
  error: ShownError | null = $state.raw(null);
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  find(kind: string): PaletteKind | undefined {
    return this.index.get(kind);
  }

  async refresh(): Promise<void> {
    try {
      this.kinds = (await this.#client.api.pipeline.palette({})).kinds;
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    }
  }
}
