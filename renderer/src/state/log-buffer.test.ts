import { describe, expect, it } from 'vitest';

import { appendLog, connectionNote, countByLevel } from './log-buffer';

import type { LogEntry } from './log-buffer';

function entry(seq: number, level: LogEntry['level'] = 'info'): LogEntry {
  return { seq, level, source: 'backend', message: `message ${seq}`, at: '2026-01-01T10:00:00.000Z' };
}

describe('appendLog', () => {
  it('keeps the newest entries up to the cap, without changing the input', () => {
    const full = [entry(1), entry(2), entry(3)];
    const next = appendLog(full, entry(4), 3);
    expect(next.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(full.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('counts entries per level', () => {
    expect(countByLevel([entry(1), entry(2, 'warn'), entry(3, 'error'), entry(4, 'warn')])).toEqual({ debug: 0, info: 1, warn: 2, error: 1 });
  });
});

describe('connectionNote', () => {
  it('notes a lost connection as a warning with the retry delay, and says nothing while connecting', () => {
    const nowMs = Date.parse('2026-01-01T10:00:00.000Z');
    expect(connectionNote({ status: 'disconnected', failedAttempts: 1, retryAt: nowMs + 2000, openCount: 1 }, nowMs)).toEqual({
      level: 'warn',
      source: 'studio',
      message: 'Lost the connection to the backend. Retrying in 2 s.',
      at: '2026-01-01T10:00:00.000Z',
    });
    expect(connectionNote({ status: 'connecting', failedAttempts: 0, retryAt: null, openCount: 0 }, nowMs)).toBeNull();
  });
});
