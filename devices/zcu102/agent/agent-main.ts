/**
 * The board agent as a process: `spvit-board-agent [--port N] [--host H] [--state-dir DIR] [--replace]`
 * with the session token in the environment (SPVIT_AGENT_TOKEN), never on the command line where
 * `ps` shows it. Prints one line when it listens, which the studio waits for on the serial console.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { BoardAgent } from './board-agent';
import { PackageStore } from './package-store';

import type { BoardIdentity } from '../protocol/board-types';
import type { BoardRuntime } from './board-runtime';

export const AGENT_COMMAND = 'spvit-board-agent';
export const TOKEN_VARIABLE = 'SPVIT_AGENT_TOKEN';
export const DEFAULT_AGENT_PORT = 7700;
const MIN_TOKEN_LENGTH = 16;

export interface AgentMainOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  defaultStateDir: string;
  defaultPort?: number;
  /** Address to listen on when --host is absent; 0.0.0.0 on a board (the studio is on the LAN). */
  defaultHost?: string;
  board: BoardIdentity;
  createRuntime(): Promise<BoardRuntime>;
  print(line: string): void;
}

export interface RunningAgent {
  agent: BoardAgent;
  stop(): Promise<void>;
}

/** Starts the agent; the caller keeps the process alive and calls stop() on SIGTERM. */
export async function startAgentProcess(options: AgentMainOptions): Promise<RunningAgent> {
  const { values } = parseArgs({
    args: [...options.argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'state-dir': { type: 'string' },
      replace: { type: 'boolean' },
    },
    strict: true,
  });
  const token = options.env[TOKEN_VARIABLE] ?? '';
  delete options.env[TOKEN_VARIABLE];
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`${TOKEN_VARIABLE} must hold the session token (at least ${MIN_TOKEN_LENGTH} characters).`);
  }
  const port = values.port === undefined ? (options.defaultPort ?? DEFAULT_AGENT_PORT) : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got '${values.port}'.`);
  const stateDir = values['state-dir'] ?? options.defaultStateDir;
  const host = values.host ?? options.defaultHost ?? '0.0.0.0';
  const pidFile = join(stateDir, 'agent.pid');
  const store = new PackageStore(join(stateDir, 'packages'));
  await store.open();
  if (values.replace === true) await stopPrevious(pidFile);
  const agent = await BoardAgent.start({
    runtime: await options.createRuntime(),
    store,
    token,
    board: options.board,
    host,
    port,
    log: (line) => options.print(`${AGENT_COMMAND}: ${line}`),
  });
  await writeFile(pidFile, `${process.pid}\n`, { mode: 0o600 });
  options.print(`${AGENT_COMMAND}: listening on ${host}:${agent.port} (pid ${process.pid})`);
  return {
    agent,
    async stop() {
      await agent.close();
      await rm(pidFile, { force: true });
    },
  };
}

/** Stops the agent a previous session started, so its port and token go away. */
async function stopPrevious(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !(await isAgentProcess(pid))) return;
  process.kill(pid, 'SIGTERM');
  for (let waitedMs = 0; waitedMs < 5_000; waitedMs += 50) {
    if (!isAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(pid, 'SIGKILL');
}

/** A pid file can outlive its process and the pid be reused: check it is an agent before killing. */
async function isAgentProcess(pid: number): Promise<boolean> {
  try {
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine.includes(AGENT_COMMAND) || commandLine.includes('agent-main');
  } catch (error) {
    // No such process (or no /proc to check it): leave it alone.
    return error === null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs the agent until SIGTERM or SIGINT; errors print one line and exit with status 1. */
export function runAgentProcess(options: AgentMainOptions): void {
  startAgentProcess(options).then(
    (running) => {
      const stop = (): void => {
        running.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: unknown) => {
      options.print(`${AGENT_COMMAND}: error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
