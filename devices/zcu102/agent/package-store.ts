/**
 * Packages on the board's disk. An upload goes to a `.part` file and is hashed as it arrives; only a
 * complete upload with the announced SHA-256 replaces the active package, by renames, so a killed
 * agent or a cut connection always leaves the previous package active.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { AgentError } from '../protocol/frame-error';
import { SHA256_HEX } from '../protocol/validate';

import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const ACTIVE_FILE = 'active.json';

export interface StoredPackage {
  sha256: string;
  sizeBytes: number;
  file: string;
}

export class PackageStore {
  constructor(private readonly directory: string) {}

  /** Removes leftovers of interrupted uploads and returns the active package, if any. */
  async open(): Promise<StoredPackage | null> {
    await mkdir(this.directory, { recursive: true });
    const active = await this.readActiveRecord();
    for (const name of await readdir(this.directory)) {
      const isPart = name.endsWith('.part') || name.endsWith('.tmp');
      const isStalePackage = name.startsWith('package-') && name !== active?.file;
      if (isPart || isStalePackage) await rm(join(this.directory, name), { force: true });
    }
    return active;
  }

  /** Reads the active package's bytes and checks them against the recorded hash. */
  async readPackage(stored: StoredPackage): Promise<Uint8Array> {
    const bytes = new Uint8Array(await readFile(join(this.directory, stored.file)));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== stored.sha256 || bytes.length !== stored.sizeBytes) {
      throw new AgentError('data/corrupt', `The stored package ${stored.file} no longer matches its hash.`, {
        hint: 'Upload the package again.',
      });
    }
    return bytes;
  }

  async beginUpload(expected: { sizeBytes: number; sha256: string }): Promise<PackageUpload> {
    const path = join(this.directory, `upload-${process.pid}-${Date.now()}.part`);
    const handle = await open(path, 'w', 0o600);
    return new PackageUpload({ path, handle, ...expected });
  }

  /** Makes a finished upload the active package; the old one is removed after the switch. */
  async activate(upload: FinishedUpload): Promise<StoredPackage> {
    const previous = await this.readActiveRecord();
    const stored: StoredPackage = { sha256: upload.sha256, sizeBytes: upload.sizeBytes, file: `package-${upload.sha256}.bin` };
    await rename(upload.path, join(this.directory, stored.file));
    const temporary = join(this.directory, `${ACTIVE_FILE}.tmp`);
    await writeFile(temporary, JSON.stringify(stored), { mode: 0o600 });
    await rename(temporary, join(this.directory, ACTIVE_FILE));
    if (previous !== null && previous.file !== stored.file) {
      await rm(join(this.directory, previous.file), { force: true });
    }
    return stored;
  }

  /** The active package's record, without touching anything else in the folder. */
  activeRecord(): Promise<StoredPackage | null> {
    return this.readActiveRecord();
  }

  private async readActiveRecord(): Promise<StoredPackage | null> {
    let text: string;
    try {
      text = await readFile(join(this.directory, ACTIVE_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const value = JSON.parse(text) as Partial<StoredPackage>;
    if (typeof value.sha256 !== 'string' || !SHA256_HEX.test(value.sha256) || typeof value.sizeBytes !== 'number' || typeof value.file !== 'string') {
      throw new AgentError('data/corrupt', `${ACTIVE_FILE} in ${this.directory} is not a package record.`);
    }
    return { sha256: value.sha256, sizeBytes: value.sizeBytes, file: value.file };
  }
}

export interface FinishedUpload {
  path: string;
  sha256: string;
  sizeBytes: number;
}

export class PackageUpload {
  private readonly hash: Hash = createHash('sha256');
  private received = 0;
  private closed = false;

  constructor(private readonly file: { path: string; handle: FileHandle; sizeBytes: number; sha256: string }) {}

  get receivedBytes(): number {
    return this.received;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset !== this.received) {
      throw new AgentError('input/invalid', `Upload chunk at offset ${offset}, expected ${this.received}.`);
    }
    if (this.received + bytes.length > this.file.sizeBytes) {
      throw new AgentError('input/invalid', `The upload is longer than the announced ${this.file.sizeBytes} bytes.`);
    }
    await this.file.handle.write(bytes, 0, bytes.length, offset);
    this.hash.update(bytes);
    this.received += bytes.length;
  }

  /** Checks length and hash, then flushes the file to disk. Throws and discards on a mismatch. */
  async finish(): Promise<FinishedUpload> {
    if (this.received !== this.file.sizeBytes) {
      await this.abort();
      throw new AgentError('data/corrupt', `The upload ended after ${this.received} of ${this.file.sizeBytes} bytes.`);
    }
    const sha256 = this.hash.digest('hex');
    if (sha256 !== this.file.sha256) {
      await this.abort();
      throw new AgentError('data/corrupt', `The uploaded package's SHA-256 is ${sha256}, not the announced ${this.file.sha256}.`, {
        hint: 'The package was damaged on the way; upload it again.',
      });
    }
    await this.file.handle.sync();
    await this.file.handle.close();
    this.closed = true;
    return { path: this.file.path, sha256, sizeBytes: this.received };
  }

  async readBytes(): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.file.path));
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.file.handle.close();
    }
    await rm(this.file.path, { force: true });
  }
}
