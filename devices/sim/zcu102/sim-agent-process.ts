/**
 * Starts the board agent for the simulated board: a real child process running the real agent code
 * (sim-agent-main.ts) with the simulated accelerator. Its output goes to the console, as a
 * background job's output does on the board.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { SimJob } from './sim-shell';

export interface SimAgentLaunch {
  argv: readonly string[];
  env: ReadonlyMap<string, string>;
  stateDir: string;
  defaultPort: number;
  seed: number;
  hostname: string;
  print(text: string): void;
}

const AGENT_MAIN = fileURLToPath(new URL('./sim-agent-main.ts', import.meta.url));

/** tsx's loader as a file URL, so the child works whatever the current directory is. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function launchSimAgent(launch: SimAgentLaunch): SimJob {
  const simArgs = ['--sim', '--seed', String(launch.seed), '--state-dir', launch.stateDir, '--default-port', String(launch.defaultPort), '--hostname', launch.hostname];
  const child = spawn(process.execPath, ['--import', tsxLoader(), AGENT_MAIN, ...launch.argv, ...simArgs], {
    env: { ...process.env, ...Object.fromEntries(launch.env) },
    // The IPC channel only tells the agent when the simulator is gone, so it never outlives it.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const relay = (chunk: Buffer): void => launch.print(chunk.toString('utf8'));
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  const exited = new Promise<number>((resolve) => {
    child.once('error', (error) => {
      launch.print(`-sh: spvit-board-agent: ${error.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : (SIGNAL_NUMBERS[signal] ?? 0))));
  });
  return {
    pid: child.pid ?? -1,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
