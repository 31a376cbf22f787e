/**
 * What the studio remembers per board, keyed by the console's stable path: the login (with the
 * password it generated for the forced change) and the last agent session. Kept in a 0600 JSON file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { StudioError } from '../../core/shared/errors';

export interface BoardCredentials {
  username: string;
  /** The password that last worked, or null for an account with no password yet. */
  password: string | null;
  /**
   * A new password sent to a forced change that has not been confirmed by a shell prompt yet.
   * Kept so that a crash mid-change cannot lock the user out of the board.
   */
  pendingPassword: string | null;
}

export interface BoardAgentRecord {
  ip: string;
  port: number;
  token: string;
}

export interface BoardRecord {
  credentials?: BoardCredentials;
  agent?: BoardAgentRecord;
}

export interface Zcu102BoardStore {
  read(boardKey: string): Promise<BoardRecord>;
  update(boardKey: string, patch: BoardRecord): Promise<void>;
}

/** Keeps records for this process only (tests, one-off CLI runs). */
export class MemoryBoardStore implements Zcu102BoardStore {
  private readonly records = new Map<string, BoardRecord>();

  read(boardKey: string): Promise<BoardRecord> {
    return Promise.resolve(structuredClone(this.records.get(boardKey) ?? {}));
  }

  update(boardKey: string, patch: BoardRecord): Promise<void> {
    this.records.set(boardKey, { ...this.records.get(boardKey), ...structuredClone(patch) });
    return Promise.resolve();
  }
}

export class FileBoardStore implements Zcu102BoardStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async read(boardKey: string): Promise<BoardRecord> {
    return (await this.readAll())[boardKey] ?? {};
  }

  /** Read-modify-write, one at a time, with an atomic rename. */
  update(boardKey: string, patch: BoardRecord): Promise<void> {
    const write = async (): Promise<void> => {
      const all = await this.readAll();
      all[boardKey] = { ...all[boardKey], ...patch };
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, this.file);
    };
    const result = this.queue.then(write, write);
    this.queue = result.catch(() => {
      // The caller sees the error through `result`.
    });
    return result;
  }

  private async readAll(): Promise<Record<string, BoardRecord>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      return value as Record<string, BoardRecord>;
    } catch (error) {
      throw new StudioError('data/corrupt', `The board store ${this.file} is not valid JSON.`, {
        cause: error,
        hint: 'Fix or delete the file; the studio will ask the boards again.',
      });
    }
  }
}
