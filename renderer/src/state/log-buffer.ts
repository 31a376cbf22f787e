/** The Logs tab's entries: backend `system.log` events and the renderer's own notes, capped. */
import type { ConnectionInfo } from '../boot/live-transport';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  /** Increasing number, unique within the session (a stable key for the list). */
  readonly seq: number;
  readonly level: LogLevel;
  readonly source: string;
  readonly message: string;
  /** ISO time. */
  readonly at: string;
}

const MAX_LOG_ENTRIES = 1000;

/** Appends, dropping the oldest entries past the cap; returns a new array (for $state.raw). */
export function appendLog(
  entries: readonly LogEntry[],
  entry: LogEntry,
  maxEntries: number = MAX_LOG_ENTRIES,
): LogEntry[] {
  const kept = entries.length >= maxEntries ? entries.slice(entries.length - maxEntries + 1) : entries.slice();
  kept.push(entry);
  return kept;
}

export function countByLevel(entries: readonly LogEntry[]): Record<LogLevel, number> {
  const counts: Record<LogLevel, number> = { debug: 0, info: 0, warn: 0, error: 0 };
  for (const entry of entries) counts[entry.level] += 1;
  return counts;
}

/** The studio's own line for a change of connection, or null when there is nothing to say. */
export function connectionNote(info: ConnectionInfo, nowMs: number): Omit<LogEntry, 'seq'> | null {
  const at = new Date(nowMs).toISOString();
  if (info.status === 'connected') {
    return { level: 'info', source: 'studio', message: 'Connected to the backend.', at };
  }
  if (info.status === 'disconnected') {
    const retry = info.retryAt === null ? '' : ` Retrying in ${Math.round((info.retryAt - nowMs) / 1000)} s.`;
    return { level: 'warn', source: 'studio', message: `Lost the connection to the backend.${retry}`, at };
  }
  return null;
}
