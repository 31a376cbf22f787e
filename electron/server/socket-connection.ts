/**
 * One browser connection: requests go to the backend with their own AbortController (a cancel
 * message or a closed socket aborts the handler), every backend event goes out to the socket.
 * A malformed message never reaches the backend: it is answered with input/invalid, or the
 * socket is closed when there is no request id to answer.
 */
import { WebSocket } from 'ws';

import { ClientMessageSchema } from '../../core/api/ws-protocol';
import { StudioError, toSerializedError } from '../../core/shared/errors';

import type { RawData } from 'ws';
import type { Dispatcher, Reply } from '../../core/api/transport';
import type { ServerMessage } from '../../core/api/ws-protocol';

/** WebSocket close codes (RFC 6455, 7.4.1). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  tryAgainLater: 1013,
} as const;

export interface ConnectionLimits {
  /** Requests one connection may have running at once. */
  maxInFlight: number;
  /** Unsent bytes queued for a client before it is dropped as too slow. */
  maxBufferedBytes: number;
}

function invalidReply(message: string): Reply {
  return { ok: false, error: toSerializedError(new StudioError('input/invalid', message)) };
}

function requestIdOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'number' && Number.isInteger(id) ? id : null;
}

export function hostConnection(socket: WebSocket, dispatcher: Dispatcher, limits: ConnectionLimits): void {
  const inFlight = new Map<number, AbortController>();

  function send(message: ServerMessage): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > limits.maxBufferedBytes) {
      socket.close(CLOSE_CODES.tryAgainLater, 'client too slow');
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      if (message.kind === 'event') throw error;
      text = JSON.stringify({ ...message, reply: { ok: false, error: toSerializedError(error) } });
    }
    socket.send(text);
  }

  function startRequest(id: number, method: string, params: unknown): void {
    if (inFlight.has(id)) {
      send({ kind: 'reply', id, reply: invalidReply(`Request id ${id} is already in flight.`) });
      return;
    }
    if (inFlight.size >= limits.maxInFlight) {
      send({ kind: 'reply', id, reply: invalidReply(`Too many requests in flight (at most ${limits.maxInFlight}).`) });
      return;
    }
    const controller = new AbortController();
    inFlight.set(id, controller);
    dispatcher
      .dispatch(method, params, controller.signal)
      .catch((error: unknown): Reply => ({ ok: false, error: toSerializedError(error) }))
      .then((reply) => {
        if (inFlight.get(id) !== controller) return;
        inFlight.delete(id);
        send({ kind: 'reply', id, reply });
      })
      .catch((error: unknown) => console.error('[server] could not send a reply:', error));
  }

  function onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      socket.close(CLOSE_CODES.unsupportedData, 'binary frames are not part of the protocol');
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      // No id to answer: the client speaks something else.
      socket.close(CLOSE_CODES.invalidPayload, 'malformed JSON');
      return;
    }
    const parsed = ClientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = requestIdOf(raw);
      if (id === null) socket.close(CLOSE_CODES.policyViolation, 'malformed message');
      else send({ kind: 'reply', id, reply: invalidReply(`Malformed message: ${parsed.error.issues.map((i) => i.message).join('; ')}`) });
      return;
    }
    const message = parsed.data;
    if (message.kind === 'cancel') {
      const controller = inFlight.get(message.id);
      inFlight.delete(message.id);
      controller?.abort(new StudioError('cancelled', 'Cancelled by the client.'));
      return;
    }
    startRequest(message.id, message.method, message.params);
  }

  const unsubscribe = dispatcher.onEvent((name, payload) => {
    try {
      send({ kind: 'event', name, payload });
    } catch (error) {
      console.error(`[server] could not send event ${name}:`, error);
    }
  });
  socket.on('message', onMessage);
  socket.on('error', (error) => console.error('[server] socket error:', error.message));
  socket.on('close', () => {
    unsubscribe();
    for (const controller of inFlight.values()) {
      controller.abort(new StudioError('cancelled', 'The client disconnected.'));
    }
    inFlight.clear();
  });
}
