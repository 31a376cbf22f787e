import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { isStudioError } from '../../../core/shared/errors';
import { SimAcceleratorRuntime } from '../../sim/zcu102/sim-runtime';
import { Zcu102AgentClient } from '../agent-client';
import { encodeFrame, FrameDecoder } from '../protocol/frame';
import { encodeLatencyOnlyPackage } from '../protocol/latency-package';
import { BoardAgent } from './board-agent';
import { PackageStore } from './package-store';

import type { Frame } from '../protocol/frame';
import type { BoardModelShape } from '../protocol/board-types';
import type { BoardPackageReader } from './board-runtime';
import type { BoardAgentLimits } from './board-agent';

const TOKEN = 'test-token-0123456789abcdef';
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

let stateDir: string;
const agents: BoardAgent[] = [];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'spvit-agent-test-'));
});

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function startAgent(options: { readers?: BoardPackageReader[]; limits?: Partial<BoardAgentLimits> } = {}): Promise<BoardAgent> {
  const agent = await BoardAgent.start({
    runtime: new SimAcceleratorRuntime({ seed: 3, ...(options.readers === undefined ? {} : { readers: options.readers }) }),
    store: new PackageStore(join(stateDir, 'packages')),
    token: TOKEN,
    board: { model: 'test board', hostname: 'test', kernel: '5.15' },
    host: '127.0.0.1',
    port: 0,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  agents.push(agent);
  return agent;
}

function client(agent: BoardAgent, token = TOKEN): Promise<Zcu102AgentClient> {
  return Zcu102AgentClient.connect({ host: '127.0.0.1', port: agent.port, token }, { timeoutMs: 5_000 });
}

/** Sends raw bytes and collects the frames the agent answers until it closes (or `until` holds). */
function rawExchange(agent: BoardAgent, chunks: Uint8Array[], until?: (frames: Frame[]) => boolean): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: agent.port });
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    socket.on('data', (chunk: Buffer) => {
      frames.push(...decoder.push(new Uint8Array(chunk)));
      if (until?.(frames) === true) socket.destroy();
    });
    socket.on('close', () => resolve(frames));
    socket.on('error', reject);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

const hello = encodeFrame({ kind: 'request', id: 1, verb: 'hello', params: { token: TOKEN, client: 'raw' } });

function errorCode(frame: Frame | undefined): unknown {
  return (frame?.header.error as { code?: string } | undefined)?.code;
}

describe('BoardAgent', () => {
  it('says hello with the board, the accelerator and no package at first', async () => {
    const agent = await startAgent();
    const connection = await client(agent);
    expect(connection.hello).toMatchObject({ protocolVersion: 1, board: { model: 'test board' }, accelerator: { simulated: true, clockMHz: 250 }, activePackage: null });
    connection.close();
  });

  it('refuses a wrong token and requests before hello, and keeps serving', async () => {
    const agent = await startAgent();
    const wrong = await client(agent, 'not-the-token-at-all').catch((caught: unknown) => caught);
    expect(isStudioError(wrong, 'device/unauthorized')).toBe(true);
    const early = await rawExchange(agent, [encodeFrame({ kind: 'request', id: 5, verb: 'run', params: { runs: 1, warmupRuns: 0 } })]);
    expect(errorCode(early[0])).toBe('device/unauthorized');
    (await client(agent)).close();
  });

  it('activates an upload only with a matching SHA-256, and keeps it across a restart', async () => {
    const agent = await startAgent();
    const connection = await client(agent);
    const bytes = encodeLatencyOnlyPackage(DEIT_TINY);
    const info = await connection.upload(bytes, { chunkBytes: 64 });
    expect(info).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length, format: 'latency-only', model: DEIT_TINY });
    connection.close();
    await agent.close();
    const restarted = await startAgent();
    expect(restarted.activePackage?.sha256).toBe(info.sha256);
  });

  it('rejects a damaged upload and keeps the previous package', async () => {
    const agent = await startAgent();
    const connection = await client(agent);
    const first = await connection.upload(encodeLatencyOnlyPackage(DEIT_TINY));
    const other = encodeLatencyOnlyPackage({ ...DEIT_TINY, depth: 6 });
    const frames = await rawExchange(agent, [
      hello,
      encodeFrame({ kind: 'request', id: 2, verb: 'upload', params: { phase: 'begin', sizeBytes: other.length, sha256: 'f'.repeat(64) } }),
      encodeFrame({ kind: 'request', id: 3, verb: 'upload', params: { phase: 'chunk', offset: 0 } }, other),
      encodeFrame({ kind: 'request', id: 4, verb: 'upload', params: { phase: 'commit' } }),
    ], (received) => received.some((frame) => frame.header.id === 4));
    expect(frames.find((frame) => frame.header.id === 4)?.header).toMatchObject({ ok: false, error: { code: 'data/corrupt' } });
    expect(agent.activePackage?.sha256).toBe(first.sha256);
    expect((await readdir(join(stateDir, 'packages'))).filter((name) => name.endsWith('.part'))).toEqual([]);
    connection.close();
  });

  it('drops an upload cut off by a disconnect and keeps the previous package', async () => {
    const agent = await startAgent();
    const first = await (await client(agent)).upload(encodeLatencyOnlyPackage(DEIT_TINY));
    const uploader = await client(agent);
    const big = new Uint8Array(300_000).fill(7);
    const cut = uploader.upload(big, {
      chunkBytes: 50_000,
      onProgress: (sent) => {
        if (sent >= 100_000) uploader.close();
      },
    });
    expect(isStudioError(await cut.catch((caught: unknown) => caught), 'device/disconnected')).toBe(true);
    const after = await client(agent);
    expect(after.hello.activePackage?.sha256).toBe(first.sha256);
    after.close();
  });

  it('answers malformed, oversized and wrong-length frames with bad-frame and stays up', async () => {
    const agent = await startAgent({ limits: { maxPayloadBytes: 1024 } });
    const garbage = await rawExchange(agent, [new TextEncoder().encode('GET / HTTP/1.1\r\nHost: board\r\n\r\n')]);
    expect(errorCode(garbage[0])).toBe('protocol/bad-frame');
    const oversized = encodeFrame({ kind: 'request', id: 2, verb: 'hello', params: {} }, new Uint8Array(2048));
    expect(errorCode((await rawExchange(agent, [hello, oversized])).at(-1))).toBe('protocol/bad-frame');
    const wrongLength = encodeFrame({ kind: 'request', id: 2, verb: 'run', params: { runs: 1, warmupRuns: 0 } });
    new DataView(wrongLength.buffer).setUint32(8, 20);
    expect(errorCode((await rawExchange(agent, [hello, wrongLength])).at(-1))).toBe('protocol/bad-frame');
    const notRequest = encodeFrame({ kind: 'response', id: 2, ok: true, result: {} });
    expect(errorCode((await rawExchange(agent, [hello, notRequest])).at(-1))).toBe('protocol/bad-frame');
    const connection = await client(agent);
    expect(connection.hello.protocolVersion).toBe(1);
    connection.close();
  });

  it('closes a connection whose frame stops halfway', async () => {
    const agent = await startAgent({ limits: { frameTimeoutMs: 100, helloTimeoutMs: 60_000 } });
    expect(errorCode((await rawExchange(agent, [hello.subarray(0, 10)])).at(-1))).toBe('protocol/bad-frame');
  });

  it('closes a connection that never says hello', async () => {
    const agent = await startAgent({ limits: { frameTimeoutMs: 60_000, helloTimeoutMs: 100 } });
    expect(errorCode((await rawExchange(agent, [])).at(-1))).toBe('device/unauthorized');
  });

  it('answers bad parameters with input/invalid on a connection that stays usable', async () => {
    const agent = await startAgent();
    const connection = await client(agent);
    const noPackage = await connection.run({ runs: 3, warmupRuns: 0 }).catch((caught: unknown) => caught);
    expect(isStudioError(noPackage, 'input/not-found')).toBe(true);
    const badRuns = await connection.run({ runs: 0, warmupRuns: 0 }).catch((caught: unknown) => caught);
    expect(isStudioError(badRuns, 'input/invalid')).toBe(true);
    const profile = await connection.profile({ blockType: 'block', tokens: 50, runs: 4, warmupRuns: 1, model: DEIT_TINY });
    expect(profile.samples).toHaveLength(4);
    expect(profile.stats.count).toBe(4);
    connection.close();
  });

  it('carries tensors both ways through a runtime whose package has a reference runner', async () => {
    const magic = new TextEncoder().encode('TEST-RUNNER');
    const agent = await startAgent({
      readers: [
        {
          format: 'test-runner',
          canRead: (bytes) => magic.every((byte, index) => bytes[index] === byte),
          read: () => ({
            model: DEIT_TINY,
            runner: {
              // Sums each int8 input into one int32: integer semantics the test can check.
              run: (inputs) =>
                Promise.resolve(
                  inputs.map((tensor) => ({
                    name: `${tensor.name}:sum`,
                    dtype: 'int32' as const,
                    shape: [1],
                    data: new Uint8Array(Int32Array.of(new Int8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.length).reduce((sum, value) => sum + value, 0)).buffer),
                  })),
                ),
            },
          }),
        },
      ],
    });
    const connection = await client(agent);
    await connection.upload(magic);
    const outputs = await connection.infer([{ name: 'x', dtype: 'int8', shape: [4], data: Uint8Array.from([1, 2, 3, 250]) }]);
    expect(outputs.map((tensor) => [tensor.name, tensor.dtype, tensor.shape])).toEqual([['x:sum', 'int32', [1]]]);
    expect(new DataView(outputs[0]?.data.buffer ?? new ArrayBuffer(4)).getInt32(0, true)).toBe(0);
    connection.close();
  });
});
