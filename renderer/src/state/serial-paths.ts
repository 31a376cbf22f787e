/** Board consoles the user connected, kept across sessions so their boards are listed again. */
export const SERIAL_PATHS_KEY = 'spvit-studio.serial-paths';

export function parseSerialPaths(text: string | null): string[] {
  try {
    const value: unknown = text === null ? [] : JSON.parse(text);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.startsWith('/')) : [];
  } catch {
    // A hand-edited or truncated entry: start with no remembered consoles.
    return [];
  }
}

export function withPath(paths: readonly string[], path: string): string[] {
  return paths.includes(path) ? [...paths] : [...paths, path];
}
