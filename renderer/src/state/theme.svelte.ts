/** Dark or light: the user's choice (kept in localStorage) or else the system's preference. */
import { parseStoredTheme, resolveTheme, THEME_STORAGE_KEY } from './theme';

import type { Theme } from './theme';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export class ThemeState {
  chosen: Theme | null = $state(null);
  systemPrefersDark = $state(false);
  resolved: Theme = $derived(resolveTheme(this.chosen, this.systemPrefersDark));
  readonly #window: Window;

  constructor(win: Window) {
    this.#window = win;
    this.chosen = parseStoredTheme(readStorage(win));
    this.systemPrefersDark = win.matchMedia(DARK_QUERY).matches;
  }

  /** Follows the system's preference while the user has not chosen; returns the cleanup. */
  attach(): () => void {
    const media = this.#window.matchMedia(DARK_QUERY);
    const onChange = (event: MediaQueryListEvent): void => {
      this.systemPrefersDark = event.matches;
    };
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }

  toggle(): void {
    this.chosen = this.resolved === 'dark' ? 'light' : 'dark';
    try {
      this.#window.localStorage.setItem(THEME_STORAGE_KEY, this.chosen);
    } catch (error) {
      // Storage can be disabled (private mode, policies): the choice then lasts for this page only.
      console.warn('Could not keep the theme choice:', error);
    }
  }
}

function readStorage(win: Window): string | null {
  try {
    return win.localStorage.getItem(THEME_STORAGE_KEY);
  } catch (error) {
    // Same as above: no storage means no remembered choice.
    console.warn('Could not read the theme choice:', error);
    return null;
  }
}
