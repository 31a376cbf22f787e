/**
 * The devices the studio e2e tests use, started as the device tests do: the real Debian `adb`
 * server on a port of its own (ANDROID_ADB_SERVER_PORT, passed on to `spvit serve`), a simulated
 * phone from `spvit sim phone` joined by `adb connect`, a simulated ZCU102 from `spvit sim zcu102`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { ChildProcess } from 'node:child_process';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const STOP_GRACE_MS = 5000;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

export interface Background {
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Runs `spvit ARGS` until `ready` matches its output; stop() ends it (Ctrl+C, then SIGKILL). */
export async function spawnSpvit(args: readonly string[], ready: RegExp, env: NodeJS.ProcessEnv): Promise<{ process: Background; match: RegExpExecArray }> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/spvit.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(killer);
  };
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const found = ready.exec(output);
      if (found !== null) resolve(found);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => reject(new Error(`spvit ${args.join(' ')} exited (${code ?? signal}):\n${output}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { process: { output: () => output, stop }, match };
}

export interface DeviceLab {
  /** Environment for `spvit serve`: the adb server's port, and a benchmark_model stand-in. */
  readonly env: Record<string, string>;
  /** One serial per simulated phone, in the order of the profiles asked for. */
  readonly phoneSerials: readonly string[];
  readonly boardLink: string | null;
  /** The adb tool against the lab's server. */
  adb(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export interface DeviceLabOptions {
  adb: string;
  /** Simulated phone profiles (galaxy-s20, pixel-4a, ...). */
  phones: readonly string[];
  withBoard: boolean;
}

/** adb server + simulated phones (+ a simulated board, which needs socat). */
export async function startDeviceLab(options: DeviceLabOptions): Promise<DeviceLab> {
  const home = mkdtempSync(join(tmpdir(), 'spvit-e2e-lab-'));
  const binary = join(home, 'benchmark_model');
  // The simulated phone runs its own benchmark_model; the studio still installs "the user's binary".
  writeFileSync(binary, '\x7fELF benchmark_model stand-in: the simulated phone runs its own');
  const env: Record<string, string> = { HOME: home, ANDROID_ADB_SERVER_PORT: String(await freePort()), SPVIT_BENCHMARK_MODEL: binary };
  const fullEnv = { ...process.env, ...env };
  delete fullEnv.ADB_SERVER_SOCKET;
  const adb = (...args: string[]) => run(options.adb, args, { env: fullEnv, timeout: 30_000 });
  await adb('start-server');
  const stops: (() => Promise<void>)[] = [async () => void (await adb('kill-server').catch(() => undefined))];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const phoneSerials: string[] = [];
    for (const [index, profile] of options.phones.entries()) {
      // Cool-downs between runs pass a thousand times faster than on a real phone.
      const phone = await spawnSpvit(['sim', 'phone', '--port', '0', '--time-scale', '1000', '--profile', profile, '--seed', String(index + 1)], /listening on 127\.0\.0\.1:(\d+)/, fullEnv);
      stops.push(phone.process.stop);
      phoneSerials.push(`127.0.0.1:${phone.match[1]}`);
      await adb('connect', phoneSerials[index]!);
    }
    let boardLink: string | null = null;
    if (options.withBoard) {
      boardLink = join(home, 'zcu102-console');
      const board = await spawnSpvit(['sim', 'zcu102', '--link', boardLink, '--agent-port', '0', '--autoboot', '0'], /^ready/m, fullEnv);
      stops.push(board.process.stop);
    }
    return { env, phoneSerials, boardLink, adb, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
