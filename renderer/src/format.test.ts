import { describe, expect, it } from 'vitest';

import { formatDurationMs, formatProgress, splitInlineCode } from './format';

describe('splitInlineCode', () => {
  it('turns backticked spans into code parts', () => {
    expect(splitInlineCode('Start it with `adb start-server` (Debian package adb).')).toEqual([
      { text: 'Start it with ', code: false },
      { text: 'adb start-server', code: true },
      { text: ' (Debian package adb).', code: false },
    ]);
  });

  it('keeps an unmatched backtick as plain text', () => {
    expect(splitInlineCode('a `b')).toEqual([
      { text: 'a ', code: false },
      { text: '`b', code: false },
    ]);
  });
});

describe('formats', () => {
  it('writes durations and progress for people', () => {
    expect([850, 12_400, 185_000, 3_720_000].map(formatDurationMs)).toEqual(['850 ms', '12.4 s', '3 min 05 s', '1 h 02 min']);
    expect(formatProgress(0.425)).toBe('43 %');
    expect(formatProgress(null)).toBe('…');
  });
});
