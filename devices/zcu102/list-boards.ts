/**
 * ZCU102 boards on the serial ports the user named, as DeviceSummary entries for `spvit devices` and
 * `devices.list`. Looks at each console without logging in; a board whose agent the studio started
 * earlier (remembered in the board store) is asked for its accelerator and shows as `ready`.
 *
 * States: not-found, no-permission, busy, error, silent, u-boot, booting, login, password-change, shell, ready.
 */
import { isStudioError } from '../../core/shared/errors';
import { parseIpv4Addresses } from './protocol/ip-addr';
import { Zcu102AgentClient } from './agent-client';
import { runConsoleCommand } from './console-command';
import { probeConsole } from './console-probe';
import { ConsoleSession } from './console-session';
import { openSerialConsole } from './node-serial-console';
import { resolveSerialPath } from './serial-path';

import type { DeviceSummary } from '../../core/api/contracts/devices';
import type { BoardAgentRecord, Zcu102BoardStore } from './board-store';
import type { HelloResult } from './protocol/messages';

export interface ListBoardsOptions {
  signal?: AbortSignal;
  /** Per board; boards are looked at in parallel. */
  timeoutMs?: number;
  /** Remembered agent sessions, to report `ready` boards. */
  store?: Zcu102BoardStore;
}

const SIMULATOR_MARKERS = /spvit-sim-|SPViT Studio simulator/;

export function listZcu102Boards(paths: readonly string[], options: ListBoardsOptions = {}): Promise<DeviceSummary[]> {
  return Promise.all([...new Set(paths)].map((path) => describeBoard(path, options)));
}

async function describeBoard(path: string, options: ListBoardsOptions): Promise<DeviceSummary> {
  const timeoutMs = options.timeoutMs ?? 4_000;
  let transport;
  try {
    transport = await openSerialConsole(path, { signal: options.signal, timeoutMs });
  } catch (error) {
    if (isStudioError(error, 'cancelled')) throw error;
    // A console held by another session does not stop a running agent from answering.
    const stablePath = await resolveSerialPath(path).then(
      (resolved) => resolved.stablePath,
      () => path,
    );
    const hello = await greetRememberedAgent((await options.store?.read(stablePath))?.agent, options);
    return hello === null ? unreachable(path, error) : readyWithoutConsole(stablePath, hello);
  }
  const session = new ConsoleSession(transport);
  const deadline = session.deadline({ what: `looking at the console ${path}`, timeoutMs }, options.signal);
  const details: Record<string, unknown> = { path, stablePath: transport.stablePath, ip: null, accelerator: null, hostname: null };
  let model: string | null = null;
  try {
    const state = await probeConsole(session, { idleMs: Math.min(500, timeoutMs / 4), deadline });
    details.consoleState = state;
    details.hostname = hostnameFromPrompt(session.machine.lastPrompt);
    if (state === 'shell' && !deadline.signal.aborted) {
      const shellFacts = await readShellFacts(session, deadline);
      model = shellFacts.model;
      details.ip = shellFacts.ip;
    }
    const hello = await greetRememberedAgent((await options.store?.read(transport.stablePath))?.agent, options);
    if (hello !== null) {
      details.accelerator = hello.accelerator;
      details.activePackage = hello.activePackage;
      details.ip ??= hello.ip;
      model ??= hello.board.model;
    }
    const simulated = hello?.accelerator.simulated ?? SIMULATOR_MARKERS.test([...session.transcript(), session.machine.lastPrompt, model ?? ''].join('\n'));
    return { id: `zcu102@${transport.stablePath}`, kind: 'zcu102', state: hello !== null ? 'ready' : state, model, simulated, details };
  } finally {
    deadline.dispose();
    await session.close();
  }
}

async function readShellFacts(session: ConsoleSession, deadline: ReturnType<ConsoleSession['deadline']>): Promise<{ model: string | null; ip: string | null }> {
  try {
    const modelResult = await runConsoleCommand(session, 'cat /proc/device-tree/model; echo', { idleMs: 1_000 }, deadline);
    const ipResult = await runConsoleCommand(session, 'ip -4 addr show eth0', { idleMs: 1_000 }, deadline);
    const model = modelResult.exitCode === 0 ? (modelResult.lines.join(' ').trim() || null) : null;
    return { model, ip: parseIpv4Addresses(ipResult.lines.join('\n'))[0]?.address ?? null };
  } catch (error) {
    if (isStudioError(error, 'cancelled')) throw error;
    // A slow shell only costs the listing its details.
    return { model: null, ip: null };
  }
}

async function greetRememberedAgent(record: BoardAgentRecord | undefined, options: ListBoardsOptions): Promise<(HelloResult & { ip: string }) | null> {
  if (record === undefined) return null;
  try {
    const client = await Zcu102AgentClient.connect({ host: record.ip, port: record.port, token: record.token }, { signal: options.signal, timeoutMs: 1_500 });
    client.close();
    return { ...client.hello, ip: record.ip };
  } catch (error) {
    if (isStudioError(error, 'cancelled')) throw error;
    // The agent from an earlier session is gone (board reset, new token): the console state stands.
    return null;
  }
}

function hostnameFromPrompt(prompt: string): string | null {
  const match = /(?:^|\s)(?:[\w.-]+@)?([A-Za-z0-9][\w.-]*)(?::[~/]\S*\s?[$#] | login: ?)$/.exec(prompt);
  return match?.[1] ?? null;
}

function readyWithoutConsole(path: string, hello: HelloResult & { ip: string }): DeviceSummary {
  return {
    id: `zcu102@${path}`,
    kind: 'zcu102',
    state: 'ready',
    model: hello.board.model,
    simulated: hello.accelerator.simulated,
    details: { path, stablePath: path, ip: hello.ip, accelerator: hello.accelerator, activePackage: hello.activePackage, hostname: hello.board.hostname, consoleState: 'busy' },
  };
}

function unreachable(path: string, error: unknown): DeviceSummary {
  const message = error instanceof Error ? error.message : String(error);
  const state = isStudioError(error, 'device/not-found')
    ? 'not-found'
    : isStudioError(error, 'device/permission')
      ? 'no-permission'
      : /in use/.test(message)
        ? 'busy'
        : 'error';
  const details: Record<string, unknown> = { path, stablePath: path, ip: null, accelerator: null, error: message };
  if (isStudioError(error) && error.hint !== undefined) details.hint = error.hint;
  return { id: `zcu102@${path}`, kind: 'zcu102', state, model: null, simulated: false, details };
}
