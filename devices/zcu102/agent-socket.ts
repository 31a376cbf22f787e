/** The studio's end of one TCP connection to a board agent: requests out, matching responses in. */
import { connect } from 'node:net';

import { StudioError } from '../../core/shared/errors';
import { encodeFrame, FrameDecodeError, FrameDecoder } from './protocol/frame';
import { parseResponseHeader } from './protocol/messages';
import { raceDeadline, startDeadline } from './deadline';

import type { Socket } from 'node:net';
import type { Frame } from './protocol/frame';
import type { AgentVerb, ResponseHeader, WireError } from './protocol/messages';
import type { JsonObject } from './protocol/validate';
import type { IoOptions } from './deadline';

/** Responses may carry inference outputs and long sample lists; allow more than requests. */
const MAX_RESPONSE_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface AgentReply {
  result: JsonObject;
  payload: Uint8Array;
}

interface Pending {
  resolve(reply: AgentReply): void;
  reject(error: Error): void;
}

export function fromWireError(error: WireError, context: string): StudioError {
  const options: { hint?: string; details: { remote: true; context: string } } = { details: { remote: true, context } };
  if (error.hint !== undefined) options.hint = error.hint;
  return new StudioError(error.code, `Board agent: ${error.message}`, options);
}

export class AgentSocket {
  private readonly decoder = new FrameDecoder({ maxPayloadBytes: MAX_RESPONSE_PAYLOAD_BYTES });
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedError: StudioError | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly socket: Socket, address: string) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.shutdown(new StudioError('device/disconnected', `Lost the connection to the board agent at ${address}: ${error.message}`, { cause: error })));
    socket.on('close', () => this.shutdown(new StudioError('device/disconnected', `The board agent at ${address} closed the connection.`)));
  }

  static async connect(host: string, port: number, io: IoOptions): Promise<AgentSocket> {
    const address = `${host}:${port}`;
    const deadline = startDeadline({ what: `connecting to the board agent at ${address}`, timeoutMs: io.timeoutMs ?? 10_000 }, io.signal);
    const socket = connect({ host, port });
    try {
      await raceDeadline(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        }),
        deadline,
      );
    } catch (error) {
      socket.destroy();
      if (error instanceof StudioError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new StudioError('device/disconnected', `Cannot reach the board agent at ${address} (${code || String(error)}).`, {
        cause: error,
        hint: code === 'ECONNREFUSED' ? 'The agent is not running: start it from the serial console.' : 'Check the Ethernet cable and the board IP.',
      });
    } finally {
      deadline.dispose();
    }
    return new AgentSocket(socket, address);
  }

  get isClosed(): boolean {
    return this.closedError !== null;
  }

  /** Sends one request and waits for its response; requests go one at a time. */
  request(verb: AgentVerb, params: JsonObject, payload: Uint8Array | undefined, io: IoOptions): Promise<AgentReply> {
    const run = (): Promise<AgentReply> => this.send(verb, params, payload, io);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {
      // The caller handles the failure; the queue only keeps requests in order.
    });
    return result;
  }

  close(): void {
    this.socket.destroy();
  }

  private async send(verb: AgentVerb, params: JsonObject, payload: Uint8Array | undefined, io: IoOptions): Promise<AgentReply> {
    if (this.closedError !== null) throw this.closedError;
    const id = this.nextId++;
    const deadline = startDeadline({ what: `waiting for the board agent to answer '${verb}'`, timeoutMs: io.timeoutMs ?? 30_000 }, io.signal);
    const response = new Promise<AgentReply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    try {
      this.socket.write(encodeFrame({ kind: 'request', id, verb, params }, payload));
      return await raceDeadline(response, deadline);
    } catch (error) {
      // After a timeout or cancel the stream state is unknown: start over with a new connection.
      if (deadline.signal.aborted) this.socket.destroy();
      throw error;
    } finally {
      this.pending.delete(id);
      deadline.dispose();
    }
  }

  private onData(chunk: Buffer): void {
    try {
      let frames: readonly Frame[];
      try {
        frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (error) {
        // Answers that arrived whole before the bad bytes still count.
        if (error instanceof FrameDecodeError) for (const frame of error.framesBefore) this.dispatch(parseResponseHeader(frame.header), frame.payload);
        throw error;
      }
      for (const frame of frames) this.dispatch(parseResponseHeader(frame.header), frame.payload);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.shutdown(new StudioError('protocol/bad-frame', `The board agent sent a bad frame: ${message}`, { cause: error }));
      this.socket.destroy();
    }
  }

  private dispatch(response: ResponseHeader, payload: Uint8Array): void {
    if (response.id === 0 && !response.ok) {
      // A connection-level error: the agent closes right after it.
      this.shutdown(fromWireError(response.error, 'connection'));
      return;
    }
    const pending = this.pending.get(response.id);
    if (pending === undefined) return;
    if (response.ok) pending.resolve({ result: response.result, payload });
    else pending.reject(fromWireError(response.error, `request ${response.id}`));
  }

  private shutdown(error: StudioError): void {
    if (this.closedError === null) this.closedError = error;
    for (const pending of this.pending.values()) pending.reject(this.closedError);
    this.pending.clear();
  }
}
