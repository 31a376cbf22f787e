/**
 * A real pseudo-terminal for the simulated console: `socat pty,link=PATH,raw,echo=0 STDIO`, with our
 * process on socat's stdio. The studio opens PATH with serialport exactly as it opens a USB UART.
 * We hold the pty's slave side open ourselves, so a studio closing and reopening the port does not
 * end socat (a pty master reads EIO once the last slave closes).
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';

import { StudioError } from '../../../core/shared/errors';

import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface SocatPtyOptions {
  link: string;
  onInput(bytes: Uint8Array): void;
  /** socat ended while we did not ask it to. */
  onExit(reason: string): void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class SocatPty {
  private stopping = false;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly slaveFd: number,
    readonly link: string,
    readonly devicePath: string,
  ) {}

  static async start(options: SocatPtyOptions): Promise<SocatPty> {
    const child = spawn('socat', ['-d', '-d', `pty,link=${options.link},raw,echo=0`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const devicePath = await waitForPty(child, options);
    const slaveFd = openSync(options.link, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    const pty = new SocatPty(child, slaveFd, options.link, devicePath);
    child.stdout.on('data', (chunk: Buffer) => options.onInput(new Uint8Array(chunk)));
    child.stdin.on('error', () => {
      // socat is gone; its exit handler reports why.
    });
    child.once('exit', (code, signal) => {
      if (!pty.stopping) options.onExit(`socat exited (${signal ?? `status ${code ?? '?'}`})`);
    });
    return pty;
  }

  write(bytes: Uint8Array): void {
    if (!this.stopping && this.child.stdin.writable) this.child.stdin.write(bytes);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.child.kill('SIGTERM');
    await exited;
    closeSync(this.slaveFd);
  }
}

/** Waits for socat's "PTY is /dev/pts/N" notice (it creates the link right after). */
function waitForPty(child: ChildProcessByStdio<Writable, Readable, Readable>, options: SocatPtyOptions): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let log = '';
    const fail = (error: StudioError): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      const pty = /PTY is (\S+)/.exec(log);
      if (pty !== null && /starting data transfer loop/.test(log)) {
        cleanup();
        resolve(pty[1] ?? '');
      }
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      fail(
        error.code === 'ENOENT'
          ? new StudioError('env/missing-tool', 'socat is not installed.', { cause: error, hint: 'Install it: sudo apt-get install socat' })
          : new StudioError('device/failed', `Cannot start socat: ${error.message}`, { cause: error }),
      );
    };
    const onExit = (): void => fail(new StudioError('device/failed', `socat could not make the pty at ${options.link}: ${log.trim()}`));
    const onAbort = (): void => fail(new StudioError('cancelled', 'Cancelled while starting the simulated console.'));
    const timer = setTimeout(() => fail(new StudioError('device/timeout', `socat did not open a pty within ${options.timeoutMs ?? 10_000} ms.`)), options.timeoutMs ?? 10_000);
    function cleanup(): void {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('error', onError);
      child.off('exit', onExit);
      options.signal?.removeEventListener('abort', onAbort);
      // Later notices are not needed; keep draining so socat never blocks on a full pipe.
      child.stderr.resume();
    }
    child.stderr.on('data', onData);
    child.once('error', onError);
    child.once('exit', onExit);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
