/**
 * Runs `spvit serve --port 0` as a child process, as a user would, and reads the page URL from
 * the `studio: <url>` line it prints. stop() always ends it (Ctrl+C first, then SIGKILL).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { ChildProcess } from 'node:child_process';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STOP_GRACE_MS = 5000;

export interface StudioProcess {
  /** `http://127.0.0.1:PORT/?token=...` */
  readonly url: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface StartStudioOptions {
  /** The workspace (where the file dialog starts); default: the project's root. */
  cwd?: string;
  /** Added to this process's environment (e.g. ANDROID_ADB_SERVER_PORT). */
  env?: Readonly<Record<string, string>>;
}

export async function startStudio(extraArgs: readonly string[] = [], options: StartStudioOptions = {}): Promise<StudioProcess> {
  const child = spawn(process.execPath, [`${ROOT}bin/spvit.js`, 'serve', '--port', '0', ...extraArgs], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Last resort if the test process ends without reaching stop() (a crash, a killed worker).
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  async function stop(): Promise<void> {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await waitForExit(child);
    clearTimeout(killer);
  }

  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^studio: (\S+)$/m.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`spvit serve exited (${code ?? signal}) before printing its URL:\n${output}`)));
    });
    return { url, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
