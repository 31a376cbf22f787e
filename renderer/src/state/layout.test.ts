import { describe, expect, it } from 'vitest';

import { clampSize, DEFAULT_SIZES, parseStoredSizes } from './layout';

describe('panel sizes', () => {
  it('clamps each panel to its limits, in whole pixels', () => {
    expect(clampSize('dock', 10)).toBe(120);
    expect(clampSize('dock', 10_000)).toBe(560);
    expect(clampSize('sidebar', 300.4)).toBe(300);
  });

  it('reads stored sizes, clamped, and falls back to the defaults for anything else', () => {
    expect(parseStoredSizes(JSON.stringify({ sidebar: 320, dock: 9999, inspector: 'wide' }))).toEqual({
      sidebar: 320,
      inspector: DEFAULT_SIZES.inspector,
      dock: 560,
    });
    expect(parseStoredSizes('{not json')).toEqual(DEFAULT_SIZES);
    expect(parseStoredSizes(null)).toEqual(DEFAULT_SIZES);
  });
});
