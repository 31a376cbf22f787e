/** Request and response headers of the board agent protocol, and the parameters of each verb. */
import { AgentError } from './frame-error';
import { BOARD_BLOCK_TYPES } from './board-types';
import { parseBoardModelShape } from './model-shape';
import { expectInteger, expectObject, expectOneOf, expectSha256, expectString } from './validate';

import type { ErrorCode } from '../../../core/shared/errors';
import type { ActivePackageInfo, BoardAcceleratorInfo, BoardBlockType, BoardIdentity, BoardModelShape, LatencyStats } from './board-types';
import type { JsonObject } from './validate';

export const AGENT_PROTOCOL_VERSION = 1;
export const AGENT_VERBS = ['hello', 'upload', 'run', 'infer', 'profile'] as const;
export type AgentVerb = (typeof AGENT_VERBS)[number];

/** Upload chunks are at most this big, well under the frame payload limit. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;
export const MAX_PACKAGE_BYTES = 512 * 1024 * 1024;
export const MAX_RUNS = 10_000;
export const MAX_WARMUP_RUNS = 1_000;
export const MAX_TOKENS = 65_536;

export interface RequestHeader {
  kind: 'request';
  id: number;
  verb: AgentVerb;
  params: JsonObject;
}

export interface WireError {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export type ResponseHeader =
  | { kind: 'response'; id: number; ok: true; result: JsonObject }
  | { kind: 'response'; id: number; ok: false; error: WireError };

export function parseRequestHeader(header: JsonObject): RequestHeader {
  if (header.kind !== 'request') throw new AgentError('protocol/bad-frame', "Expected a frame of kind 'request'.");
  return {
    kind: 'request',
    id: expectInteger(header, 'id', { min: 0, max: 0xffff_ffff }),
    verb: expectOneOf(header, 'verb', AGENT_VERBS),
    params: expectObject(header.params, 'params'),
  };
}

export function parseResponseHeader(header: JsonObject): ResponseHeader {
  if (header.kind !== 'response') throw new AgentError('protocol/bad-frame', "Expected a frame of kind 'response'.");
  const id = expectInteger(header, 'id', { min: 0, max: 0xffff_ffff });
  if (header.ok === true) return { kind: 'response', id, ok: true, result: expectObject(header.result, 'result') };
  const error = expectObject(header.error, 'error');
  const wire: WireError = {
    code: expectString(error, 'code', 64) as ErrorCode,
    message: expectString(error, 'message', 8192),
  };
  if (typeof error.hint === 'string') wire.hint = error.hint;
  return { kind: 'response', id, ok: false, error: wire };
}

export interface HelloParams {
  token: string;
  client: string;
}

export interface HelloResult {
  agentVersion: string;
  protocolVersion: number;
  agentPid: number;
  board: BoardIdentity;
  accelerator: BoardAcceleratorInfo;
  activePackage: ActivePackageInfo | null;
}

export function parseHelloParams(params: JsonObject): HelloParams {
  return { token: expectString(params, 'token', 256), client: expectString(params, 'client', 256) };
}

export type UploadParams =
  | { phase: 'begin'; sizeBytes: number; sha256: string }
  | { phase: 'chunk'; offset: number }
  | { phase: 'commit' }
  | { phase: 'abort' };

export function parseUploadParams(params: JsonObject): UploadParams {
  const phase = expectOneOf(params, 'phase', ['begin', 'chunk', 'commit', 'abort'] as const);
  switch (phase) {
    case 'begin':
      return { phase, sizeBytes: expectInteger(params, 'sizeBytes', { min: 1, max: MAX_PACKAGE_BYTES }), sha256: expectSha256(params, 'sha256') };
    case 'chunk':
      return { phase, offset: expectInteger(params, 'offset', { min: 0, max: MAX_PACKAGE_BYTES }) };
    case 'commit':
    case 'abort':
      return { phase };
  }
}

export interface RunParams {
  runs: number;
  warmupRuns: number;
}

export function parseRunParams(params: JsonObject): RunParams {
  return {
    runs: expectInteger(params, 'runs', { min: 1, max: MAX_RUNS }),
    warmupRuns: expectInteger(params, 'warmupRuns', { min: 0, max: MAX_WARMUP_RUNS }),
  };
}

export interface ProfileParams extends RunParams {
  blockType: BoardBlockType;
  tokens: number;
  /** The shape to profile; without it, the active package's shape. */
  model: BoardModelShape | null;
}

export function parseProfileParams(params: JsonObject): ProfileParams {
  return {
    ...parseRunParams(params),
    blockType: expectOneOf(params, 'blockType', BOARD_BLOCK_TYPES),
    tokens: expectInteger(params, 'tokens', { min: 1, max: MAX_TOKENS }),
    model: params.model === undefined || params.model === null ? null : parseBoardModelShape(params.model),
  };
}

/** `run` and `profile` answer with statistics in the header and the samples in the payload. */
export interface LatencyResult {
  stats: LatencyStats;
  sampleCount: number;
}
