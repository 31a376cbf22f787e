/**
 * The studio's console agent for a ZCU102: from whatever the console shows to a running board agent.
 * Logs in (see console-login.ts), reads the board's IPv4 address, starts `spvit-board-agent` with a
 * fresh random session token, and returns where and how to reach it.
 */
import { randomBytes } from 'node:crypto';

import { StudioError } from '../../core/shared/errors';
import { AGENT_COMMAND, TOKEN_VARIABLE } from './agent/agent-main';
import { describeInterfaceProblem, parseIpv4Addresses } from './protocol/ip-addr';
import { MemoryBoardStore } from './board-store';
import { runConsoleCommand } from './console-command';
import { loginToShell } from './console-login';
import { ConsoleSession } from './console-session';

import type { Zcu102BoardStore } from './board-store';
import type { CommandResult } from './console-command';
import type { IoOptions } from './deadline';
import type { SerialConsoleTransport } from './transport';

export interface ConsoleTimeouts {
  /** From power-on to a login prompt: U-Boot, kernel and init take about a minute on a ZCU102. */
  bootMs: number;
  commandMs: number;
  agentStartMs: number;
  /** Quiet time after which the console agent presses Enter. */
  idleMs: number;
}

export const DEFAULT_CONSOLE_TIMEOUTS: ConsoleTimeouts = { bootMs: 180_000, commandMs: 15_000, agentStartMs: 60_000, idleMs: 700 };

export interface ConsoleAgentOptions {
  username?: string;
  password?: string;
  store?: Zcu102BoardStore;
  timeouts?: Partial<ConsoleTimeouts>;
}

export interface AgentStartOptions extends IoOptions {
  /** Port on the board; the agent's default (7700) when absent; 0 lets the board pick. */
  port?: number;
  interfaceName?: string;
}

export interface Zcu102AgentSession {
  ip: string;
  agentPort: number;
  token: string;
  /** The agent's process id on the board. */
  agentPid: number;
}

export class Zcu102ConsoleAgent {
  readonly session: ConsoleSession;
  private readonly store: Zcu102BoardStore;
  private readonly timeouts: ConsoleTimeouts;

  constructor(transport: SerialConsoleTransport, private readonly options: ConsoleAgentOptions = {}) {
    this.session = new ConsoleSession(transport);
    this.store = options.store ?? new MemoryBoardStore();
    this.timeouts = { ...DEFAULT_CONSOLE_TIMEOUTS, ...options.timeouts };
  }

  async ensureShell(io: IoOptions = {}): Promise<void> {
    const deadline = this.session.deadline(
      { what: 'waiting for a shell on the console', timeoutMs: io.timeoutMs ?? this.timeouts.bootMs, hint: 'Check the console transcript in the details; is the board booting?' },
      io.signal,
    );
    try {
      await loginToShell(
        this.session,
        { username: this.options.username ?? 'petalinux', password: this.options.password ?? null, store: this.store, idleMs: this.timeouts.idleMs },
        deadline,
      );
    } finally {
      deadline.dispose();
    }
  }

  async run(command: string, io: IoOptions & { background?: boolean } = {}): Promise<CommandResult> {
    await this.ensureShell(io);
    const deadline = this.session.deadline({ what: `running '${command.split(' ')[0] ?? command}' on the board`, timeoutMs: io.timeoutMs ?? this.timeouts.commandMs }, io.signal);
    try {
      return await runConsoleCommand(this.session, command, { idleMs: this.timeouts.idleMs, background: io.background ?? false }, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async readIpAddress(io: IoOptions & { interfaceName?: string } = {}): Promise<string> {
    const name = io.interfaceName ?? 'eth0';
    const result = await this.run(`ip -4 addr show ${name}`, io);
    const output = result.lines.join('\n');
    const address = parseIpv4Addresses(output)[0];
    if (address === undefined) {
      throw this.session.error('device/failed', `The board has no IPv4 address on ${name}.`, describeInterfaceProblem(output, name));
    }
    return address.address;
  }

  /** Starts the board agent with a new token (replacing any earlier one) and waits until it listens. */
  async startAgent(io: AgentStartOptions = {}): Promise<Zcu102AgentSession> {
    const ip = await this.readIpAddress(io);
    const token = randomBytes(24).toString('base64url');
    this.session.addSecret(token);
    const portFlag = io.port === undefined ? '' : ` --port ${io.port}`;
    const from = this.session.seq;
    await this.run(`${TOKEN_VARIABLE}=${token} ${AGENT_COMMAND} --replace${portFlag}`, { ...io, background: true });
    const started = await this.waitForAgent(from, io);
    const agentSession = { ip, agentPort: started.port, token, agentPid: started.pid };
    await this.store.update(this.session.path, { agent: { ip, port: started.port, token } });
    return agentSession;
  }

  close(): Promise<void> {
    return this.session.close();
  }

  private async waitForAgent(from: number, io: IoOptions): Promise<{ port: number; pid: number }> {
    const ready = new RegExp(`${AGENT_COMMAND}: listening on \\S+:(\\d+) \\(pid (\\d+)\\)`);
    const failed = new RegExp(`${AGENT_COMMAND}: error: (.*)$`);
    const missing = new RegExp(`${AGENT_COMMAND}: (?:command )?not found`);
    const deadline = this.session.deadline({ what: 'waiting for the board agent to listen', timeoutMs: io.timeoutMs ?? this.timeouts.agentStartMs }, io.signal);
    try {
      let cursor = from;
      for (;;) {
        const outcome = await this.session.waitNext({ after: cursor, idleMs: this.timeouts.idleMs, deadline });
        if (outcome.kind === 'idle') continue;
        cursor = outcome.seq;
        if (outcome.event.kind !== 'line') continue;
        const text = outcome.event.text;
        const match = ready.exec(text);
        if (match !== null) return { port: Number(match[1]), pid: Number(match[2]) };
        const failure = failed.exec(text);
        if (failure !== null) throw this.session.error('device/failed', `The board agent did not start: ${failure[1] ?? ''}`);
        if (missing.test(text)) {
          throw this.session.error('env/missing-tool', `${AGENT_COMMAND} is not installed on the board.`, 'Copy the board agent to the SD card image (see the deploy docs) and put it on the PATH.');
        }
      }
    } catch (error) {
      if (error instanceof StudioError) throw error;
      throw this.session.error('device/failed', `Waiting for the board agent failed: ${String(error)}`);
    } finally {
      deadline.dispose();
    }
  }
}
