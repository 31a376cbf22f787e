import { afterEach, describe, expect, it } from 'vitest';

import { isStudioError } from '../../core/shared/errors';
import { connectMemoryConsole } from '../sim/zcu102/memory-console';
import { MemoryBoardStore } from './board-store';
import { generatePassword } from './console-login';
import { Zcu102ConsoleAgent } from './console-agent';

import type { SimImage } from '../sim/zcu102/sim-login';
import type { SimJob } from '../sim/zcu102/sim-shell';
import type { SerialConsoleTransport } from './transport';

const TIMEOUTS = { idleMs: 40, bootMs: 10_000, commandMs: 5_000 };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function noAgent(): SimJob {
  throw new Error('this test starts no agent');
}

function board(image: SimImage, autobootSeconds = 0) {
  const memory = connectMemoryConsole({ image, hostname: 'zcu102-test', ipAddress: '10.1.2.3', autobootSeconds, startAgent: noAgent });
  cleanups.push(async () => memory.board.shutdown());
  return { board: memory.board, transport: memory.open(), reopen: memory.open };
}

function agentFor(transport: SerialConsoleTransport, options: ConstructorParameters<typeof Zcu102ConsoleAgent>[1] = {}): Zcu102ConsoleAgent {
  const agent = new Zcu102ConsoleAgent(transport, { timeouts: TIMEOUTS, ...options });
  cleanups.push(() => agent.close());
  return agent;
}

describe('Zcu102ConsoleAgent', () => {
  it('logs in through PetaLinux first-login password change and remembers the new password', async () => {
    const { board: sim, transport, reopen } = board('petalinux');
    const store = new MemoryBoardStore();
    const agent = agentFor(transport, { store });
    sim.powerOn();
    await agent.ensureShell();
    const credentials = (await store.read(transport.stablePath)).credentials;
    expect(credentials?.username).toBe('petalinux');
    expect(credentials?.pendingPassword).toBeNull();
    expect(credentials?.password).toMatch(/^.{20}$/);
    expect(agent.session.transcript().join('\n')).toContain('You are required to change your password immediately');
    expect(await agent.readIpAddress()).toBe('10.1.2.3');

    // Log out and close; the next session must log in with the remembered password.
    await agent.session.write('exit\r');
    await agent.close();
    const again = agentFor(reopen(), { store });
    await again.ensureShell();
    expect(again.session.transcript().join('\n')).not.toContain('New password');
  });

  it('answers "Current password:" on images whose default password has expired', async () => {
    const { board: sim, transport } = board('petalinux-expired-password');
    const store = new MemoryBoardStore();
    sim.powerOn();
    await agentFor(transport, { store }).ensureShell();
    expect((await store.read(transport.stablePath)).credentials?.password).not.toBe('petalinux');
  });

  it('logs in as root/root on Vitis AI images', async () => {
    const { board: sim, transport } = board('vitis-ai');
    sim.powerOn();
    const agent = agentFor(transport, { username: 'root' });
    await agent.ensureShell();
    expect(agent.session.machine.lastPrompt).toBe('root@zcu102-test:~# ');
    expect(await agent.run('whoami')).toEqual({ lines: ['root'], exitCode: 0 });
  });

  it('waits out the autoboot countdown without pressing a key (which would stop the boot)', async () => {
    const { board: sim, transport } = board('vitis-ai', 1);
    const agent = agentFor(transport, { username: 'root' });
    sim.powerOn();
    // Start once the countdown is on screen: a busy test machine must not make the board look quiet.
    const deadline = agent.session.deadline({ what: 'waiting for U-Boot', timeoutMs: 10_000 }, undefined);
    for (let seq = 0; agent.session.state !== 'uboot'; ) {
      const outcome = await agent.session.waitNext({ after: seq, idleMs: 10_000, deadline });
      if (outcome.kind === 'event') seq = outcome.seq;
    }
    deadline.dispose();
    await agent.ensureShell();
    const transcript = agent.session.transcript().join('\n');
    expect(transcript).toContain('Starting kernel');
    expect(transcript).not.toContain('ZynqMP>');
  });

  it('boots a board left at the U-Boot prompt', async () => {
    const { board: sim, transport } = board('vitis-ai', 30);
    sim.powerOn();
    sim.input(new TextEncoder().encode(' '));
    const agent = agentFor(transport, { username: 'root' });
    await agent.ensureShell();
    expect(agent.session.transcript().join('\n')).toMatch(/ZynqMP> boot/);
  });

  it('refuses with device/unauthorized and the transcript when no known password works', async () => {
    const { board: sim, transport } = board('vitis-ai');
    sim.powerOn();
    const agent = agentFor(transport, { username: 'nobody', store: new MemoryBoardStore() });
    const error = await agent.ensureShell().catch((caught: unknown) => caught);
    expect(isStudioError(error, 'device/unauthorized')).toBe(true);
    expect((error as { hint?: string }).hint).toMatch(/root\/root/);
    expect(JSON.stringify((error as { details?: unknown }).details)).toContain('Login incorrect');
  });

  it('reports exit codes and output of commands, and "not found" for unknown ones', async () => {
    const { board: sim, transport } = board('petalinux');
    sim.powerOn();
    const agent = agentFor(transport);
    expect(await agent.run('false')).toEqual({ lines: [], exitCode: 1 });
    expect(await agent.run('frobnicate')).toEqual({ lines: ['-sh: frobnicate: not found'], exitCode: 127 });
    expect((await agent.run('cat /proc/cpuinfo')).lines.filter((line) => line.startsWith('processor'))).toHaveLength(4);
    expect((await agent.run('uname -a')).lines[0]).toMatch(/aarch64 GNU\/Linux$/);
  });

  it('gives device/timeout with a hint when the console never answers', async () => {
    let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
    const transport: SerialConsoleTransport = {
      readable: new ReadableStream<Uint8Array>({ start: (started) => void (controller = started) }),
      writable: new WritableStream<Uint8Array>(),
      path: 'memory:silent',
      stablePath: 'memory:silent',
      close: () => Promise.resolve(controller?.close()),
    };
    const agent = agentFor(transport);
    const error = await agent.ensureShell().catch((caught: unknown) => caught);
    expect(isStudioError(error, 'device/timeout')).toBe(true);
    expect((error as { hint?: string }).hint).toMatch(/interface 0/);
  });

  it('honours cancellation', async () => {
    const { board: sim, transport } = board('petalinux', 30);
    sim.powerOn();
    const controller = new AbortController();
    const agent = agentFor(transport);
    const waiting = agent.ensureShell({ signal: controller.signal });
    controller.abort();
    expect(isStudioError(await waiting.catch((caught: unknown) => caught), 'cancelled')).toBe(true);
  });
});

describe('generatePassword', () => {
  it('makes 20-character passwords with every character class', () => {
    for (let index = 0; index < 50; index += 1) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      for (const pattern of [/[A-Z]/, /[a-z]/, /[0-9]/, /[-_.+=]/]) expect(password).toMatch(pattern);
    }
  });
});

describe('Zcu102ConsoleAgent on a console left half-way', () => {
  it('finishes a password change someone left at "New password:"', async () => {
    const memory = connectMemoryConsole({ image: 'petalinux', hostname: 'zcu102-test', ipAddress: '10.1.2.3', autobootSeconds: 0, startAgent: noAgent });
    cleanups.push(async () => memory.board.shutdown());
    memory.board.powerOn();
    memory.board.input(new TextEncoder().encode('petalinux\r'));
    const agent = agentFor(memory.open(), { store: new MemoryBoardStore() });
    await agent.ensureShell();
    expect(agent.session.state).toBe('shell');
  });
});
