/**
 * The studio's client for a board agent: hello (with the session token), hash-checked uploads,
 * latency runs, block profiles and inference. Every call takes an AbortSignal and a timeout.
 */
import { createHash } from 'node:crypto';

import { StudioError } from '../../core/shared/errors';
import { decodeLatencySamples } from './protocol/latency-samples';
import { AGENT_PROTOCOL_VERSION, UPLOAD_CHUNK_BYTES } from './protocol/messages';
import { decodeTensors, encodeTensors } from './protocol/tensors';
import { expectInteger, expectObject } from './protocol/validate';
import { AgentSocket } from './agent-socket';

import type { ActivePackageInfo, BoardBlockType, BoardLatencySample, BoardModelShape, BoardTensor, LatencyStats } from './protocol/board-types';
import type { HelloResult } from './protocol/messages';
import type { IoOptions } from './deadline';

export interface AgentAddress {
  host: string;
  port: number;
  token: string;
}

export interface LatencyMeasurement {
  stats: LatencyStats;
  samples: BoardLatencySample[];
}

export interface UploadOptions extends IoOptions {
  chunkBytes?: number;
  /** Called after each chunk the agent has acknowledged. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

export interface ProfileRequest {
  blockType: BoardBlockType;
  tokens: number;
  runs: number;
  warmupRuns: number;
  /** Defaults to the shape of the board's active package. */
  model?: BoardModelShape;
}

export class Zcu102AgentClient {
  private constructor(private readonly socket: AgentSocket, readonly hello: HelloResult) {}

  static async connect(address: AgentAddress, io: IoOptions = {}): Promise<Zcu102AgentClient> {
    const socket = await AgentSocket.connect(address.host, address.port, io);
    try {
      const reply = await socket.request('hello', { token: address.token, client: 'spvit-studio' }, undefined, io);
      const hello = reply.result as unknown as HelloResult;
      if (hello.protocolVersion !== AGENT_PROTOCOL_VERSION) {
        throw new StudioError('device/failed', `The board agent speaks protocol ${hello.protocolVersion}; the studio speaks ${AGENT_PROTOCOL_VERSION}.`, {
          hint: 'Install the board agent that comes with this studio version on the board.',
        });
      }
      return new Zcu102AgentClient(socket, hello);
    } catch (error) {
      socket.close();
      throw error;
    }
  }

  get isClosed(): boolean {
    return this.socket.isClosed;
  }

  /** Sends the package in chunks; the agent activates it only if the SHA-256 matches. */
  async upload(bytes: Uint8Array, options: UploadOptions = {}): Promise<ActivePackageInfo> {
    const chunkBytes = Math.min(options.chunkBytes ?? UPLOAD_CHUNK_BYTES, UPLOAD_CHUNK_BYTES);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await this.socket.request('upload', { phase: 'begin', sizeBytes: bytes.length, sha256 }, undefined, options);
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + chunkBytes));
      const reply = await this.socket.request('upload', { phase: 'chunk', offset }, chunk, options);
      const received = expectInteger(reply.result, 'receivedBytes', { min: 0, max: bytes.length });
      options.onProgress?.(received, bytes.length);
    }
    const reply = await this.socket.request('upload', { phase: 'commit' }, undefined, options);
    return expectObject(reply.result.activePackage, 'activePackage') as unknown as ActivePackageInfo;
  }

  async run(request: { runs: number; warmupRuns: number }, io: IoOptions = {}): Promise<LatencyMeasurement> {
    const reply = await this.socket.request('run', { ...request }, undefined, io);
    return readMeasurement(reply.result, reply.payload);
  }

  async profile(request: ProfileRequest, io: IoOptions = {}): Promise<LatencyMeasurement> {
    const params: Record<string, unknown> = { blockType: request.blockType, tokens: request.tokens, runs: request.runs, warmupRuns: request.warmupRuns };
    if (request.model !== undefined) params.model = { ...request.model };
    const reply = await this.socket.request('profile', params, undefined, io);
    return readMeasurement(reply.result, reply.payload);
  }

  async infer(inputs: readonly BoardTensor[], io: IoOptions = {}): Promise<BoardTensor[]> {
    const encoded = encodeTensors(inputs);
    const reply = await this.socket.request('infer', { tensors: encoded.descriptors }, encoded.payload, io);
    return decodeTensors(reply.result.tensors, reply.payload);
  }

  close(): void {
    this.socket.close();
  }
}

function readMeasurement(result: Record<string, unknown>, payload: Uint8Array): LatencyMeasurement {
  const count = expectInteger(result, 'sampleCount', { min: 1, max: 1_000_000 });
  return { stats: expectObject(result.stats, 'stats') as unknown as LatencyStats, samples: decodeLatencySamples(payload, count) };
}
