/** The Logs tab: the backend's `system.log` events and the studio's own notes (connection changes). */
import { appendLog, connectionNote, countByLevel } from './log-buffer';

import type { ConnectionInfo } from '../boot/live-transport';
import type { StudioClient } from '../boot/studio-client';
import type { LogEntry } from './log-buffer';

export class LogsState {
  entries: readonly LogEntry[] = $state.raw([]);
  counts = $derived(countByLevel(this.entries));
  readonly #client: StudioClient;
  #seq = 0;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  attach(): () => void {
    return this.#client.on('system.log', (event) => this.add(event));
  }

  add(entry: Omit<LogEntry, 'seq'>): void {
    this.#seq += 1;
    this.entries = appendLog(this.entries, { ...entry, seq: this.#seq });
  }

  noteConnection(info: ConnectionInfo): void {
    const note = connectionNote(info, Date.now());
    if (note !== null) this.add(note);
  }

  clear(): void {
    this.entries = [];
  }
}
