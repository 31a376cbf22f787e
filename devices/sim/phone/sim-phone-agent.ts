/**
 * The simulated phone as a PhoneAgent directly, without adb in between: the same shell, files and
 * benchmark_model, in process. For machines without the adb tool and for fast tests of code that
 * drives phones (runner, profiler); the adb path is covered by SimPhoneServer + the real adb server.
 */
import { StudioError } from '../../../core/shared/errors';

import { withDeadline } from '../../android/deadline';

import { normalizePath, S_IFDIR, SimFsError } from './filesystem';
import { SimShell } from './shell/shell';

import type { PhoneAgent, PhoneCallOptions, PushOptions, RemoteFileStat, ShellResult } from '../../android/phone-agent';
import type { SimPhone } from './sim-phone';

const DEFAULT_TIMEOUT_MS = 60_000;

export class SimPhoneAgent implements PhoneAgent {
  readonly serial: string;
  readonly phone: SimPhone;

  constructor(phone: SimPhone, serial = `sim:${phone.profile.id}`) {
    this.phone = phone;
    this.serial = serial;
  }

  shell(command: string, options: PhoneCallOptions = {}): Promise<ShellResult> {
    return withDeadline(`'${command}' on ${this.serial}`, { ...options, defaultTimeoutMs: DEFAULT_TIMEOUT_MS }, async (scope) => {
      let output = '';
      const sink = {
        write: (chunk: string | Uint8Array): Promise<void> => {
          output += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
          return Promise.resolve();
        },
      };
      const exitCode = await new SimShell(this.phone).run(command, { stdout: sink, stderr: sink, signal: scope.signal });
      return { output, exitCode };
    });
  }

  push(data: Uint8Array, remotePath: string, options: PushOptions = {}): Promise<void> {
    return withDeadline(`pushing to ${this.serial}:${remotePath}`, { ...options, defaultTimeoutMs: DEFAULT_TIMEOUT_MS }, () => {
      const path = normalizePath(remotePath);
      try {
        const parent = path.split('/').slice(0, -1).join('/') || '/';
        if (this.phone.fs.lookup(parent) === null) this.phone.fs.mkdir(parent, { parents: true });
        // Copy: the caller may reuse its buffer.
        this.phone.fs.writeFile(path, data.slice(), { permissions: options.permissions ?? 0o644 });
      } catch (error) {
        if (!(error instanceof SimFsError)) throw error;
        throw new StudioError('device/failed', `Cannot push to ${this.serial}:${remotePath}: ${error.message}.`, { cause: error, hint: 'Push under /data/local/tmp or /sdcard.' });
      }
      return Promise.resolve();
    });
  }

  pull(remotePath: string, options: PhoneCallOptions = {}): Promise<Uint8Array> {
    return withDeadline(`pulling ${this.serial}:${remotePath}`, { ...options, defaultTimeoutMs: DEFAULT_TIMEOUT_MS }, () => {
      try {
        return Promise.resolve(this.phone.fs.readFile(normalizePath(remotePath)).slice());
      } catch (error) {
        if (error instanceof SimFsError && error.errno === 'ENOENT') {
          throw new StudioError('input/not-found', `${remotePath} does not exist on ${this.serial}.`, { cause: error, hint: 'Check the path on the phone.' });
        }
        throw new StudioError('device/failed', `Cannot pull ${this.serial}:${remotePath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, hint: 'Check the path on the phone.' });
      }
    });
  }

  stat(remotePath: string, options: PhoneCallOptions = {}): Promise<RemoteFileStat | null> {
    return withDeadline(`stat of ${this.serial}:${remotePath}`, { ...options, defaultTimeoutMs: DEFAULT_TIMEOUT_MS }, () => {
      try {
        const stat = this.phone.fs.stat(normalizePath(remotePath));
        return Promise.resolve({ sizeBytes: stat.sizeBytes, permissions: stat.mode & 0o7777, isDirectory: (stat.mode & S_IFDIR) === S_IFDIR, mtimeS: stat.mtimeS });
      } catch (error) {
        if (error instanceof SimFsError) return Promise.resolve(null);
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
