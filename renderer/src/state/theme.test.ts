import { describe, expect, it } from 'vitest';

import { parseStoredTheme, resolveTheme } from './theme';

describe('resolveTheme', () => {
  it("follows the system's preference until the user chooses", () => {
    expect(resolveTheme(null, true)).toBe('dark');
    expect(resolveTheme(null, false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('ignores stored values it does not know', () => {
    expect(parseStoredTheme('dark')).toBe('dark');
    expect(parseStoredTheme('solarized')).toBeNull();
    expect(parseStoredTheme(null)).toBeNull();
  });
});
