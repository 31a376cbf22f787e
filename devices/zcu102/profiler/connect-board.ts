/**
 * From a `zcu102@PATH` device id to a connected board agent: open the serial console, log in (the
 * forced password change included), read the IP address, start the agent with a fresh token and
 * connect to it. Profile and deploy both start here.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

import { StudioError } from '../../../core/shared/errors';
import { Zcu102AgentClient } from '../agent-client';
import { FileBoardStore } from '../board-store';
import { Zcu102ConsoleAgent } from '../console-agent';
import { openSerialConsole } from '../node-serial-console';

import type { Zcu102BoardStore } from '../board-store';
import type { ConsoleTimeouts, Zcu102AgentSession } from '../console-agent';

export const ZCU102_ID_PREFIX = 'zcu102@';

/** The serial console path of a `zcu102@PATH` device id. */
export function parseZcu102DeviceId(deviceId: string): string {
  const path = deviceId.startsWith(ZCU102_ID_PREFIX) ? deviceId.slice(ZCU102_ID_PREFIX.length) : '';
  if (path === '') {
    throw new StudioError('input/invalid', `'${deviceId}' is not a ZCU102 device id.`, { hint: 'Board ids are zcu102@ followed by the serial console path, e.g. zcu102@/dev/serial/by-id/usb-Silicon_Labs_CP2108_...-if00-port0.' });
  }
  return path;
}

/** Where the studio remembers board logins (the passwords it set) between runs. */
export function defaultBoardStore(dataDir = join(homedir(), '.spvit-studio')): Zcu102BoardStore {
  return new FileBoardStore(join(dataDir, 'boards.json'));
}

export interface ConnectBoardOptions {
  deviceId: string;
  store: Zcu102BoardStore;
  username?: string | undefined;
  password?: string | undefined;
  timeouts?: Partial<ConsoleTimeouts> | undefined;
  /** TCP port for the agent on the board (its default when absent). */
  agentPort?: number | undefined;
  signal?: AbortSignal | undefined;
  onStep?: ((message: string) => void) | undefined;
}

export interface BoardConnection {
  deviceId: string;
  serialPath: string;
  console: Zcu102ConsoleAgent;
  agent: Zcu102AgentSession;
  client: Zcu102AgentClient;
  close(): Promise<void>;
}

export async function connectBoard(options: ConnectBoardOptions): Promise<BoardConnection> {
  const serialPath = parseZcu102DeviceId(options.deviceId);
  const io = options.signal === undefined ? {} : { signal: options.signal };
  const step = options.onStep ?? (() => undefined);
  step(`opening the console ${serialPath}`);
  const transport = await openSerialConsole(serialPath, { timeoutMs: 10_000, ...io });
  const consoleAgent = new Zcu102ConsoleAgent(transport, {
    store: options.store,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
  });
  try {
    step('logging in on the console');
    await consoleAgent.ensureShell(io);
    step('starting the board agent');
    const agent = await consoleAgent.startAgent({ ...io, ...(options.agentPort === undefined ? {} : { port: options.agentPort }) });
    step(`connecting to the agent at ${agent.ip}:${agent.agentPort}`);
    const client = await Zcu102AgentClient.connect({ host: agent.ip, port: agent.agentPort, token: agent.token }, { timeoutMs: 15_000, ...io });
    return {
      deviceId: options.deviceId,
      serialPath,
      console: consoleAgent,
      agent,
      client,
      async close() {
        client.close();
        await consoleAgent.close();
      },
    };
  } catch (error) {
    await consoleAgent.close().catch(() => undefined);
    throw error;
  }
}
