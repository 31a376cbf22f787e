/** The resizable panels' sizes, kept across sessions. */
import { clampSize, LAYOUT_STORAGE_KEY, parseStoredSizes } from './layout';

import type { PanelName, PanelSizes } from './layout';

export class LayoutState {
  sizes: PanelSizes = $state(parseStoredSizes(null));
  readonly #storage: Storage | null;

  constructor(win: Window) {
    this.#storage = openStorage(win);
    this.sizes = parseStoredSizes(this.#storage?.getItem(LAYOUT_STORAGE_KEY) ?? null);
  }

  resize(panel: PanelName, sizePx: number): void {
    this.sizes[panel] = clampSize(panel, sizePx);
    try {
      this.#storage?.setItem(LAYOUT_STORAGE_KEY, JSON.stringify(this.sizes));
    } catch (error) {
      // A full or disabled storage: the layout then lasts for this page only.
      console.warn('Could not keep the panel sizes:', error);
    }
  }
}

function openStorage(win: Window): Storage | null {
  try {
    return win.localStorage;
  } catch (error) {
    // Storage can be disabled by policy; sizes then start from the defaults each time.
    console.warn('No local storage for the panel sizes:', error);
    return null;
  }
}
