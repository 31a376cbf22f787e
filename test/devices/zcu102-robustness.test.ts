/**
 * The simulated ZCU102 on a socat pty under bad conditions: noise and half-written lines on the
 * console, the board agent killed in the middle of an upload, frames with a wrong length or size,
 * and a wrong session token. Each must give its error and leave the board usable.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../../core/shared/errors';
import { SimZcu102Board } from '../../devices/sim/zcu102/sim-board';
import { Zcu102AgentClient } from '../../devices/zcu102/agent-client';
import { MemoryBoardStore } from '../../devices/zcu102/board-store';
import { Zcu102ConsoleAgent } from '../../devices/zcu102/console-agent';
import { openSerialConsole } from '../../devices/zcu102/node-serial-console';
import { encodeFrame, FRAME_PREFIX_BYTES, FrameDecoder } from '../../devices/zcu102/protocol/frame';
import { encodeLatencyOnlyPackage } from '../../devices/zcu102/protocol/latency-package';
import { requireTool } from '../support/require-tool';

import type { Zcu102AgentSession } from '../../devices/zcu102/console-agent';
import type { Frame } from '../../devices/zcu102/protocol/frame';
import type { BoardModelShape } from '../../devices/zcu102/protocol/board-types';

const socat = requireTool('socat', 'socat');

const DEIT_TINY: BoardModelShape = {
  arch: 'deit_tiny_patch16_224',
  imageSize: 224,
  patchSize: 16,
  inChannels: 3,
  embedDim: 192,
  depth: 12,
  heads: 3,
  mlpRatio: 4,
  numClasses: 1000,
  selectorBlocks: [],
  keptTokens: [],
};

/** Sends raw bytes to the agent and collects its frames until it closes the connection. */
function rawExchange(session: Zcu102AgentSession, chunks: Uint8Array[]): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: session.ip, port: session.agentPort });
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(new Uint8Array(chunk))));
    socket.on('close', () => resolve(frames));
    socket.on('error', reject);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

function lastErrorCode(frames: Frame[]): unknown {
  return (frames.at(-1)?.header.error as { code?: string } | undefined)?.code;
}

describe.runIf(socat !== null)('simulated ZCU102 under bad conditions', () => {
  let workDir: string;
  let board: SimZcu102Board;
  let consoleAgent: Zcu102ConsoleAgent;
  let session: Zcu102AgentSession;
  const connect = (token = session.token): Promise<Zcu102AgentClient> =>
    Zcu102AgentClient.connect({ host: session.ip, port: session.agentPort, token }, { timeoutMs: 10_000 });

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'spvit-zcu102-robust-test-'));
    const link = join(workDir, 'ttyZCU102');
    board = await SimZcu102Board.start({ link, agentPort: 0, seed: 5 });
    consoleAgent = new Zcu102ConsoleAgent(await openSerialConsole(link), { store: new MemoryBoardStore(), timeouts: { idleMs: 300 } });
    await consoleAgent.ensureShell({ timeoutMs: 30_000 });
    session = await consoleAgent.startAgent({ timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await consoleAgent.close();
    await board.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('reads commands right through line noise and a half-written kernel line', async () => {
    board.injectConsoleOutput(Uint8Array.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x80, 0x0d, 0x0a]));
    board.injectConsoleOutput('[   42.123456] random: crng init do');
    expect(await consoleAgent.readIpAddress()).toBe('127.0.0.1');
    board.injectConsoleOutput('\x1b[1;31m[   43.000000] macb ff0e0000.ethernet eth0: link do');
    const uname = await consoleAgent.run('uname -r');
    expect(uname).toEqual({ lines: ['5.15.36-xilinx-v2022.2'], exitCode: 0 });
  });

  it('keeps the previous package when the agent is killed mid-upload, and a restarted agent takes over', async () => {
    const client = await connect();
    const first = await client.upload(encodeLatencyOnlyPackage(DEIT_TINY));
    const big = new Uint8Array(2 * 1024 * 1024).map((_, index) => (index * 31) % 251);
    const upload = client.upload(big, {
      chunkBytes: 256 * 1024,
      onProgress: (sentBytes) => {
        if (sentBytes === 512 * 1024) process.kill(client.hello.agentPid, 'SIGKILL');
      },
    });
    expect(isStudioError(await upload.catch((caught: unknown) => caught), 'device/disconnected')).toBe(true);
    client.close();

    const oldSession = session;
    session = await consoleAgent.startAgent({ timeoutMs: 60_000 });
    expect(session.agentPid).not.toBe(oldSession.agentPid);
    expect(isStudioError(await connect(oldSession.token).catch((caught: unknown) => caught), 'device/unauthorized')).toBe(true);
    const fresh = await connect();
    expect(fresh.hello.activePackage?.sha256).toBe(first.sha256);
    expect((await readdir(join(board.stateDir, 'agent', 'packages'))).filter((name) => name.endsWith('.part'))).toEqual([]);
    const replaced = await fresh.upload(encodeLatencyOnlyPackage({ ...DEIT_TINY, depth: 6 }));
    expect(replaced.model?.depth).toBe(6);
    expect((await fresh.run({ runs: 3, warmupRuns: 0 })).samples).toHaveLength(3);
    fresh.close();
  });

  it('refuses a frame with a wrong length field and keeps serving', async () => {
    const hello = encodeFrame({ kind: 'request', id: 1, verb: 'hello', params: { token: session.token, client: 'raw' } });
    const wrong = encodeFrame({ kind: 'request', id: 2, verb: 'run', params: { runs: 2, warmupRuns: 0 } });
    const view = new DataView(wrong.buffer);
    view.setUint32(8, view.getUint32(8) + 7);
    const frames = await rawExchange(session, [hello, wrong, encodeFrame({ kind: 'request', id: 3, verb: 'hello', params: {} })]);
    expect(frames[0]?.header).toMatchObject({ id: 1, ok: true });
    expect(lastErrorCode(frames)).toBe('protocol/bad-frame');

    const oversized = new Uint8Array(FRAME_PREFIX_BYTES);
    oversized.set([0x53, 0x50, 0x56, 0x41, 1]);
    new DataView(oversized.buffer).setUint32(8, 2);
    new DataView(oversized.buffer).setUint32(12, 0x7fff_ffff);
    expect(lastErrorCode(await rawExchange(session, [hello, oversized]))).toBe('protocol/bad-frame');

    const client = await connect();
    expect((await client.run({ runs: 2, warmupRuns: 0 })).samples).toHaveLength(2);
    client.close();
  });

  it('refuses a wrong session token and still answers the right one', async () => {
    const wrong = await connect('an-old-or-guessed-token-000000').catch((caught: unknown) => caught);
    expect(isStudioError(wrong, 'device/unauthorized')).toBe(true);
    const client = await connect();
    expect(client.hello.activePackage?.model?.depth).toBe(6);
    client.close();
  });
});
