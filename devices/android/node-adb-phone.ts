/**
 * A phone behind the adb server, as a PhoneAgent. Shell commands run through `exec:` (sh -c, raw,
 * no shell_v2 needed); since that protocol carries no exit status, the command is followed by an
 * echo of `$?` behind a marker. A stream that ends without the marker means the phone went away.
 */
import { ReadableStream } from '@yume-chan/stream-extra';

import { StudioError } from '../../core/shared/errors';

import { deviceError } from './adb-errors';
import { withDeadline } from './deadline';

import type { Adb, AdbSocket } from '@yume-chan/adb';
import type { PhoneAgent, PhoneCallOptions, PushOptions, RemoteFileStat, ShellResult } from './phone-agent';

const DEFAULT_SHELL_TIMEOUT_MS = 60_000;
const DEFAULT_TRANSFER_TIMEOUT_MS = 120_000;
const EXIT_MARKER = ':spvit-exit:';
const EXIT_PATTERN = /:spvit-exit:(\d+)\s*$/;

function describe(command: string): string {
  return command.length > 60 ? `'${command.slice(0, 57)}...'` : `'${command}'`;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

export interface AdbServerPhoneOptions {
  serial: string;
  adb: Adb;
  /** Asks the server whether the phone is still there (to tell unplugging from other failures). */
  isConnected: () => Promise<boolean>;
}

export class AdbServerPhone implements PhoneAgent {
  readonly serial: string;
  readonly #adb: Adb;
  readonly #isConnected: () => Promise<boolean>;

  constructor(options: AdbServerPhoneOptions) {
    this.serial = options.serial;
    this.#adb = options.adb;
    this.#isConnected = options.isConnected;
  }

  /** Device features from the CNXN banner (shell_v2, stat_v2, ...). */
  get features(): readonly string[] {
    return this.#adb.banner.features;
  }

  shell(command: string, options: PhoneCallOptions = {}): Promise<ShellResult> {
    const what = `${describe(command)} on ${this.serial}`;
    return withDeadline(what, { ...options, defaultTimeoutMs: DEFAULT_SHELL_TIMEOUT_MS }, async (scope) => {
      // A newline, not ';': a trailing comment or '&' in `command` must not swallow the echo.
      const socket = await this.#open(`exec:${command}\necho "${EXIT_MARKER}$?"`, what);
      scope.signal.addEventListener('abort', () => void socket.close(), { once: true });
      let bytes: Uint8Array;
      try {
        bytes = await readAll(socket.readable);
      } catch (error) {
        throw await this.#classify(error, what);
      }
      const text = new TextDecoder().decode(bytes);
      const match = EXIT_PATTERN.exec(text);
      if (match === null) {
        if (scope.signal.aborted) throw scope.signal.reason;
        if (!(await this.#isConnected())) {
          throw new StudioError('device/disconnected', `${this.serial} disconnected while running ${describe(command)}.`, {
            hint: 'Reconnect the phone (or `adb connect` it again) and retry.',
            details: { serial: this.serial, partialOutput: text.slice(-4000) },
          });
        }
        throw new StudioError('device/failed', `${describe(command)} on ${this.serial} ended without an exit status.`, {
          hint: "Commands must not call 'exit' or close the shell; see the output in the details.",
          details: { serial: this.serial, output: text.slice(-4000) },
        });
      }
      return { output: text.slice(0, match.index), exitCode: Number(match[1]) };
    });
  }

  push(data: Uint8Array, remotePath: string, options: PushOptions = {}): Promise<void> {
    const what = `pushing ${data.length} bytes to ${this.serial}:${remotePath}`;
    return withDeadline(what, { ...options, defaultTimeoutMs: DEFAULT_TRANSFER_TIMEOUT_MS }, async (scope) => {
      const sync = await this.#sync(what);
      scope.signal.addEventListener('abort', () => void sync.dispose(), { once: true });
      try {
        const file = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(data);
            controller.close();
          },
        });
        await sync.write({ filename: remotePath, file, permission: options.permissions ?? 0o644, mtime: Math.floor(Date.now() / 1000) });
      } catch (error) {
        throw await this.#classify(error, what);
      } finally {
        await sync.dispose().catch(() => undefined);
      }
    });
  }

  pull(remotePath: string, options: PhoneCallOptions = {}): Promise<Uint8Array> {
    const what = `pulling ${this.serial}:${remotePath}`;
    return withDeadline(what, { ...options, defaultTimeoutMs: DEFAULT_TRANSFER_TIMEOUT_MS }, async (scope) => {
      const sync = await this.#sync(what);
      scope.signal.addEventListener('abort', () => void sync.dispose(), { once: true });
      try {
        return await readAll(sync.read(remotePath));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/no such file|not found/i.test(message)) {
          throw new StudioError('input/not-found', `${remotePath} does not exist on ${this.serial}.`, { cause: error, hint: 'Check the path on the phone.' });
        }
        throw await this.#classify(error, what);
      } finally {
        await sync.dispose().catch(() => undefined);
      }
    });
  }

  stat(remotePath: string, options: PhoneCallOptions = {}): Promise<RemoteFileStat | null> {
    const what = `stat of ${this.serial}:${remotePath}`;
    return withDeadline(what, { ...options, defaultTimeoutMs: DEFAULT_TRANSFER_TIMEOUT_MS }, async () => {
      const sync = await this.#sync(what);
      try {
        const stat = await sync.lstat(remotePath);
        return { sizeBytes: Number(stat.size), permissions: stat.permission & 0o7777, isDirectory: stat.type === 0o04, mtimeS: Number(stat.mtime) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // v1 answers a missing path with an all-zero stat, v2 with an errno name.
        if (message === 'lstat error' || message === 'ENOENT' || message === 'ENOTDIR') return null;
        throw await this.#classify(error, what);
      } finally {
        await sync.dispose().catch(() => undefined);
      }
    });
  }

  async close(): Promise<void> {
    await this.#adb.close();
  }

  async #open(service: string, what: string): Promise<AdbSocket> {
    try {
      return await this.#adb.createSocket(service);
    } catch (error) {
      throw await this.#classify(error, what);
    }
  }

  async #sync(what: string): Promise<Awaited<ReturnType<Adb['sync']>>> {
    try {
      return await this.#adb.sync();
    } catch (error) {
      throw await this.#classify(error, what);
    }
  }

  /** A failed stream: unplugged (device/disconnected) or something else. */
  async #classify(error: unknown, what: string): Promise<StudioError> {
    const classified = deviceError(this.serial, error, { known: true, what });
    if (classified.code !== 'device/failed') return classified;
    const connected = await this.#isConnected().catch(() => false);
    if (connected) return classified;
    return new StudioError('device/disconnected', `${this.serial} disconnected during ${what}.`, { cause: error, hint: 'Reconnect the phone (or `adb connect` it again) and retry.', details: { serial: this.serial } });
  }
}
