/**
 * The simulated ZCU102 on a real pty (socat), driven by the studio's own code: the board's console
 * opened with serialport, login through the forced password change, the board agent started from
 * the console, then hello, a hash-checked upload, `run` and `profile` over TCP.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../../core/shared/errors';
import { SimZcu102Board } from '../../devices/sim/zcu102/sim-board';
import { Zcu102AgentClient } from '../../devices/zcu102/agent-client';
import { FileBoardStore } from '../../devices/zcu102/board-store';
import { Zcu102ConsoleAgent } from '../../devices/zcu102/console-agent';
import { listZcu102Boards } from '../../devices/zcu102/list-boards';
import { openSerialConsole } from '../../devices/zcu102/node-serial-console';
import { encodeLatencyOnlyPackage } from '../../devices/zcu102/protocol/latency-package';
import { requireTool } from '../support/require-tool';

import type { BoardModelShape } from '../../devices/zcu102/protocol/board-types';

const socat = requireTool('socat', 'socat');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const DEIT_SMALL: BoardModelShape = {
  arch: 'deit_small_patch16_224',
  imageSize: 224,
  patchSize: 16,
  inChannels: 3,
  embedDim: 384,
  depth: 12,
  heads: 6,
  mlpRatio: 4,
  numClasses: 1000,
  selectorBlocks: [],
  keptTokens: [],
};

describe.runIf(socat !== null)('simulated ZCU102 over a socat pty', () => {
  let workDir: string;
  let board: SimZcu102Board;
  let store: FileBoardStore;
  let link: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'spvit-zcu102-sim-test-'));
    link = join(workDir, 'ttyZCU102');
    store = new FileBoardStore(join(workDir, 'boards.json'));
    board = await SimZcu102Board.start({ link, agentPort: 0, seed: 11 });
  });

  afterAll(async () => {
    await board.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('lists the board at its login prompt without logging in', async () => {
    const [summary] = await listZcu102Boards([link], { timeoutMs: 5_000 });
    expect(summary).toMatchObject({ id: `zcu102@${link}`, kind: 'zcu102', state: 'login', simulated: true, details: { hostname: 'spvit-sim-zcu102' } });
  });

  it('reports a missing port as not-found', async () => {
    const [summary] = await listZcu102Boards([join(workDir, 'no-such-tty')]);
    expect(summary?.state).toBe('not-found');
    await expect(openSerialConsole(join(workDir, 'no-such-tty'))).rejects.toSatisfy((error) => isStudioError(error, 'device/not-found'));
  });

  it('boots, logs in through the forced password change, starts the agent, uploads, runs and profiles', async () => {
    const transport = await openSerialConsole(link, { timeoutMs: 5_000 });
    expect(transport.stablePath).toBe(link);
    const consoleAgent = new Zcu102ConsoleAgent(transport, { store, timeouts: { idleMs: 300 } });
    try {
      board.reset();
      await consoleAgent.ensureShell({ timeoutMs: 30_000 });
      const transcript = consoleAgent.session.transcript().join('\n');
      expect(transcript).toContain('You are required to change your password immediately');
      const credentials = (await store.read(link)).credentials;
      expect(credentials).toMatchObject({ username: 'petalinux', pendingPassword: null });
      expect(credentials?.password).toHaveLength(20);

      expect(await consoleAgent.readIpAddress()).toBe('127.0.0.1');
      const session = await consoleAgent.startAgent({ timeoutMs: 60_000 });
      expect(session).toMatchObject({ ip: '127.0.0.1' });
      expect(session.token.length).toBeGreaterThanOrEqual(32);
      expect(consoleAgent.session.transcript().join('\n')).not.toContain(session.token);

      const client = await Zcu102AgentClient.connect({ host: session.ip, port: session.agentPort, token: session.token }, { timeoutMs: 10_000 });
      try {
        expect(client.hello).toMatchObject({ agentPid: session.agentPid, board: { hostname: 'spvit-sim-zcu102' }, accelerator: { simulated: true, clockMHz: 250, macRows: 32 } });
        expect(client.hello.board.model).toMatch(/ZCU102/);

        const bytes = encodeLatencyOnlyPackage(DEIT_SMALL);
        const active = await client.upload(bytes, { chunkBytes: 100 });
        expect(active).toMatchObject({ sizeBytes: bytes.length, format: 'latency-only', model: DEIT_SMALL });

        const run = await client.run({ runs: 30, warmupRuns: 3 });
        expect(run.samples).toHaveLength(30);
        expect(run.stats.meanMs).toBeGreaterThan(18);
        expect(run.stats.meanMs).toBeLessThan(30);
        expect(run.stats.stdMs).toBeGreaterThan(0);

        const profiled = new Map<number, number>();
        for (const tokens of [1, 32, 33, 64, 65, 197]) {
          const profile = await client.profile({ blockType: 'block', tokens, runs: 5, warmupRuns: 1 });
          expect(profile.samples).toHaveLength(5);
          profiled.set(tokens, profile.stats.medianMs);
        }
        const at = (tokens: number): number => profiled.get(tokens) ?? Number.NaN;
        expect(at(33) - at(32)).toBeGreaterThan(at(32) - at(1));
        expect(at(197)).toBeGreaterThan(at(65));
        const selector = await client.profile({ blockType: 'selector', tokens: 196, runs: 3, warmupRuns: 0 });
        expect(selector.stats.meanCpuMs).toBeGreaterThan(0);

        const [listed] = await listZcu102Boards([link], { timeoutMs: 5_000, store });
        expect(listed).toMatchObject({ state: 'ready', details: { consoleState: 'busy', ip: '127.0.0.1' } });

        const infer = await client.infer([{ name: 'image', dtype: 'int8', shape: [1, 3, 224, 224], data: new Uint8Array(3 * 224 * 224) }]).catch((caught: unknown) => caught);
        expect(isStudioError(infer, 'model/unsupported')).toBe(true);
      } finally {
        client.close();
      }
    } finally {
      await consoleAgent.close();
    }
  });

  it('lists the board as ready, with its accelerator, once its agent runs', async () => {
    const [summary] = await listZcu102Boards([link], { timeoutMs: 5_000, store });
    expect(summary).toMatchObject({ state: 'ready', simulated: true, details: { ip: '127.0.0.1', accelerator: { id: 'spvit-int8-mac32x32-v1' } } });
    expect(summary?.model).toMatch(/ZCU102/);
  });

  it('runs as `spvit sim zcu102` until Ctrl+C', async () => {
    const cliLink = join(workDir, 'ttyCLI');
    const child = spawn(process.execPath, ['bin/spvit.js', 'sim', 'zcu102', '--link', cliLink, '--agent-port', '0', '--autoboot', '0'], { cwd: ROOT });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready;')) resolve();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      void exited.then(() => reject(new Error(`spvit sim zcu102 exited early:\n${output}`)));
    });
    expect(output).toContain(`console    ${cliLink} -> /dev/pts/`);
    const [summary] = await listZcu102Boards([cliLink], { timeoutMs: 5_000 });
    expect(summary?.state).toBe('login');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(cliLink)).toBe(false);
  });
});
