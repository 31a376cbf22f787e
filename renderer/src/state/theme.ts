/** Theme choice: the user's, persisted, or else the system's preference. */
export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'spvit-studio.theme';

export function parseStoredTheme(value: string | null): Theme | null {
  return value === 'light' || value === 'dark' ? value : null;
}

export function resolveTheme(chosen: Theme | null, systemPrefersDark: boolean): Theme {
  return chosen ?? (systemPrefersDark ? 'dark' : 'light');
}
