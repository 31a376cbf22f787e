/**
 * One client connection of the board agent: frames in, one request at a time, responses out.
 * Any framing error ends the connection (a byte stream cannot be resynchronised) but never the agent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { AgentError, FrameError } from '../protocol/frame-error';
import { encodeFrame, FrameDecodeError, FrameDecoder } from '../protocol/frame';
import { parseHelloParams, parseRequestHeader } from '../protocol/messages';
import { handleVerb } from './agent-verbs';

import type { Socket } from 'node:net';
import type { Frame } from '../protocol/frame';
import type { RequestHeader, WireError } from '../protocol/messages';
import type { AgentState } from './board-agent';
import type { PackageUpload } from './package-store';

/** Requests that may queue up behind the one running before the socket is paused. */
const MAX_QUEUED_FRAMES = 4;

export interface VerbReply {
  result: Record<string, unknown>;
  payload?: Uint8Array;
}

export class AgentConnection {
  private readonly decoder: FrameDecoder;
  private readonly abort = new AbortController();
  private authenticated = false;
  private closing = false;
  /** A framing error was read: nothing after it is trusted. */
  private poisoned = false;
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();
  private helloTimer: NodeJS.Timeout | null;
  /** The upload this connection has in progress, if any. */
  upload: PackageUpload | null = null;

  constructor(private readonly socket: Socket, readonly state: AgentState) {
    this.decoder = new FrameDecoder({ maxPayloadBytes: state.limits.maxPayloadBytes });
    socket.setNoDelay(true);
    socket.setTimeout(state.limits.frameTimeoutMs);
    this.helloTimer = setTimeout(() => this.fail(new AgentError('device/unauthorized', 'No hello with a session token in time.')), state.limits.helloTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.onTimeout());
    socket.on('error', () => {
      // The peer went away; 'close' follows and cleans up.
    });
    socket.on('close', () => this.cleanup());
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing || this.poisoned) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (error) {
      // Requests that arrived whole before the bad frame still get their answers, then the error.
      this.poisoned = true;
      this.socket.pause();
      if (error instanceof FrameDecodeError) for (const frame of error.framesBefore) this.enqueue(frame);
      this.chain = this.chain.then(() => this.fail(error));
      return;
    }
    for (const frame of frames) this.enqueue(frame);
  }

  private onTimeout(): void {
    // Idle between frames is fine; a frame that stopped halfway is not.
    if (this.decoder.pendingBytes > 0) {
      this.fail(new FrameError(`A frame stopped arriving after ${this.decoder.pendingBytes} bytes.`));
    }
  }

  private enqueue(frame: Frame): void {
    this.queued += 1;
    if (this.queued > MAX_QUEUED_FRAMES) this.socket.pause();
    this.chain = this.chain
      .then(async () => {
        if (!this.closing) await this.handle(frame);
        this.queued -= 1;
        if (this.queued <= MAX_QUEUED_FRAMES && !this.poisoned) this.socket.resume();
      })
      .catch((error: unknown) => this.fail(error));
  }

  private async handle(frame: Frame): Promise<void> {
    let request: RequestHeader;
    try {
      request = parseRequestHeader(frame.header);
    } catch (error) {
      this.fail(error);
      return;
    }
    try {
      if (!this.authenticated) {
        this.authenticate(request);
      }
      const reply = await handleVerb(this, request, frame.payload);
      this.send({ kind: 'response', id: request.id, ok: true, result: reply.result }, reply.payload);
    } catch (error) {
      if (error instanceof AgentError && error.code === 'device/unauthorized') {
        this.fail(error, request.id);
        return;
      }
      this.send({ kind: 'response', id: request.id, ok: false, error: toWireError(error) });
    }
  }

  private authenticate(request: RequestHeader): void {
    if (request.verb !== 'hello') {
      throw new AgentError('device/unauthorized', `'${request.verb}' before hello: the agent needs the session token first.`);
    }
    const { token } = parseHelloParams(request.params);
    if (!sameToken(token, this.state.options.token)) {
      throw new AgentError('device/unauthorized', 'Wrong session token.', {
        hint: 'Start the agent again from the serial console to get a fresh token.',
      });
    }
    this.authenticated = true;
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }

  private send(header: Record<string, unknown>, payload?: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.socket.write(encodeFrame(header, payload));
  }

  /** Answers with the error (id 0 when no request is to blame) and closes the connection. */
  private fail(error: unknown, id = 0): void {
    if (this.closing) return;
    this.closing = true;
    this.send({ kind: 'response', id, ok: false, error: toWireError(error) });
    this.socket.end();
    // A peer that keeps sending must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  private cleanup(): void {
    this.closing = true;
    this.abort.abort(new AgentError('device/disconnected', 'The client disconnected.'));
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    const upload = this.upload;
    this.upload = null;
    upload?.abort().catch((error: unknown) => this.state.log(`could not remove an unfinished upload: ${String(error)}`));
  }
}

function sameToken(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function toWireError(error: unknown): WireError {
  if (error instanceof AgentError) {
    const wire: WireError = { code: error.code, message: error.message };
    if (error.hint !== undefined) wire.hint = error.hint;
    return wire;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal/bug', message: `The board agent failed: ${message}` };
}
