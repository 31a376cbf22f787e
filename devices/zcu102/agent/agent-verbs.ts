/** What the board agent does for each verb, once the connection has said hello with the token. */
import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';

import { AgentError } from '../protocol/frame-error';
import { encodeLatencySamples, latencyStats } from '../protocol/latency-samples';
import { AGENT_PROTOCOL_VERSION, parseProfileParams, parseRunParams, parseUploadParams, UPLOAD_CHUNK_BYTES } from '../protocol/messages';
import { decodeTensors, encodeTensors } from '../protocol/tensors';
import { AGENT_VERSION } from './version';

import type { BoardLatencySample } from '../protocol/board-types';
import type { HelloResult, RequestHeader } from '../protocol/messages';
import type { AgentConnection, VerbReply } from './agent-connection';
import type { BoardWorkload } from './board-runtime';

export async function handleVerb(connection: AgentConnection, request: RequestHeader, payload: Uint8Array): Promise<VerbReply> {
  if (request.verb !== 'upload' && payload.length > 0 && request.verb !== 'infer') {
    throw new AgentError('input/invalid', `'${request.verb}' takes no payload.`);
  }
  switch (request.verb) {
    case 'hello':
      return { result: { ...hello(connection) } };
    case 'upload':
      return upload(connection, request, payload);
    case 'run':
      return time(connection, { kind: 'package' }, parseRunParams(request.params));
    case 'profile':
      return profile(connection, request);
    case 'infer':
      return infer(connection, request, payload);
  }
}

function hello(connection: AgentConnection): HelloResult {
  const { options } = connection.state;
  return {
    agentVersion: AGENT_VERSION,
    protocolVersion: AGENT_PROTOCOL_VERSION,
    agentPid: process.pid,
    board: { ...options.board, hostname: options.board.hostname === '' ? hostname() : options.board.hostname },
    accelerator: options.runtime.accelerator,
    activePackage: connection.state.activePackage,
  };
}

async function upload(connection: AgentConnection, request: RequestHeader, payload: Uint8Array): Promise<VerbReply> {
  const params = parseUploadParams(request.params);
  const { store, runtime } = connection.state.options;
  switch (params.phase) {
    case 'begin': {
      await connection.upload?.abort();
      connection.upload = await store.beginUpload(params);
      return { result: { receivedBytes: 0 } };
    }
    case 'chunk': {
      const current = requireUpload(connection);
      if (payload.length === 0 || payload.length > UPLOAD_CHUNK_BYTES) {
        throw new AgentError('input/invalid', `Upload chunks carry 1 to ${UPLOAD_CHUNK_BYTES} bytes, got ${payload.length}.`);
      }
      await current.write(params.offset, payload);
      return { result: { receivedBytes: current.receivedBytes } };
    }
    case 'abort': {
      await connection.upload?.abort();
      connection.upload = null;
      return { result: { aborted: true } };
    }
    case 'commit': {
      const current = requireUpload(connection);
      // From here the commit owns the file: a disconnect must not delete it halfway.
      connection.upload = null;
      const finished = await current.finish();
      const activated = await connection.state.exclusive(async () => {
        const bytes = new Uint8Array(await readFile(finished.path));
        try {
          const info = await runtime.load({ bytes, sha256: finished.sha256 });
          await store.activate(finished);
          connection.state.activePackage = info;
          return info;
        } catch (error) {
          await rm(finished.path, { force: true });
          await restorePrevious(connection);
          throw error;
        }
      });
      return { result: { activePackage: activated } };
    }
  }
}

/** After a failed switch, makes sure the runtime runs what the store says is active. */
async function restorePrevious(connection: AgentConnection): Promise<void> {
  const { store, runtime } = connection.state.options;
  const previous = connection.state.activePackage;
  if (previous === null) return;
  const stored = await store.activeRecord();
  if (stored === null || stored.sha256 !== previous.sha256) return;
  connection.state.activePackage = await runtime.load({ bytes: await store.readPackage(stored), sha256: stored.sha256 });
}

function requireUpload(connection: AgentConnection): NonNullable<AgentConnection['upload']> {
  if (connection.upload === null) {
    throw new AgentError('input/invalid', "No upload in progress: send phase 'begin' first.");
  }
  return connection.upload;
}

async function time(connection: AgentConnection, workload: BoardWorkload, params: { runs: number; warmupRuns: number }): Promise<VerbReply> {
  if (workload.kind === 'package' && connection.state.activePackage === null) {
    throw new AgentError('input/not-found', 'No package is active on the board.', { hint: 'Upload a package first.' });
  }
  const samples: BoardLatencySample[] = await connection.state.exclusive(() =>
    connection.state.options.runtime.estimateLatency(workload, { ...params, signal: connection.signal }),
  );
  if (samples.length !== params.runs) {
    throw new AgentError('internal/bug', `The runtime returned ${samples.length} samples for ${params.runs} runs.`);
  }
  return { result: { stats: { ...latencyStats(samples) }, sampleCount: samples.length }, payload: encodeLatencySamples(samples) };
}

async function profile(connection: AgentConnection, request: RequestHeader): Promise<VerbReply> {
  const params = parseProfileParams(request.params);
  const model = params.model ?? connection.state.activePackage?.model ?? null;
  if (model === null) {
    throw new AgentError('input/invalid', 'profile needs a model shape: pass one, or upload a package first.');
  }
  return time(connection, { kind: 'block', blockType: params.blockType, tokens: params.tokens, model }, params);
}

async function infer(connection: AgentConnection, request: RequestHeader, payload: Uint8Array): Promise<VerbReply> {
  if (connection.state.activePackage === null) {
    throw new AgentError('input/not-found', 'No package is active on the board.', { hint: 'Upload a package first.' });
  }
  const inputs = decodeTensors(request.params.tensors, payload);
  const outputs = await connection.state.exclusive(() => connection.state.options.runtime.infer(inputs, { signal: connection.signal }));
  const encoded = encodeTensors(outputs);
  return { result: { tensors: encoded.descriptors }, payload: encoded.payload };
}
