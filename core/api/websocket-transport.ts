/**
 * The client Transport over a WebSocket (the browser host). Speaks the envelope of ws-protocol.ts.
 * Reconnecting is the caller's business: it watches `onStateChange` and builds a new transport.
 */
import { z } from 'zod';

import type { AbortSignalLike } from '../shared/abort';
import { StudioError, toSerializedError } from '../shared/errors';

import { cancelledReply } from './abortable-reply';
import { SerializedErrorSchema } from './contracts/common';

import type { Reply, Transport } from './transport';
import type { ClientMessage } from './ws-protocol';

/** What the transport needs of a socket; the browser's WebSocket and the `ws` client both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason: string }) => void): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WebSocketTransport extends Transport {
  readonly state: ConnectionState;
  /** Calls the listener on every change of state; returns the unsubscribe function. */
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  /** Resolves once the socket is open; rejects with `protocol/closed` if it closes first. */
  ready(): Promise<void>;
  /** Closes the socket; pending requests fail with `protocol/closed`. */
  close(): void;
}

const SOCKET_OPEN = 1;
const SOCKET_CLOSING = 2;
const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL_ERROR = 1002;

const ServerMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('reply'),
    id: z.number().int(),
    reply: z.union([
      z.object({ ok: z.literal(true), result: z.unknown() }),
      z.object({ ok: z.literal(false), error: SerializedErrorSchema.loose() }),
    ]),
  }),
  z.object({ kind: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);

interface Pending {
  resolve(reply: Reply): void;
  detach(): void;
}

function closedReply(detail: string): Reply {
  const error = new StudioError('protocol/closed', `The connection to the studio's backend is closed (${detail}).`, {
    hint: 'Check that `spvit serve` is still running, then reload the page.',
  });
  return { ok: false, error: toSerializedError(error) };
}

function initialState(socket: WebSocketLike): ConnectionState {
  if (socket.readyState === SOCKET_OPEN) return 'open';
  return socket.readyState >= SOCKET_CLOSING ? 'closed' : 'connecting';
}

export function createWebSocketTransport(socket: WebSocketLike): WebSocketTransport {
  let state = initialState(socket);
  let closeDetail = 'closed before it opened';
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const outbox: string[] = [];
  const subscribers = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  function setState(next: ConnectionState): void {
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  }

  function send(message: ClientMessage): void {
    const text = JSON.stringify(message);
    if (state === 'open') socket.send(text);
    else if (state === 'connecting') outbox.push(text);
  }

  function failAll(detail: string): void {
    closeDetail = detail;
    outbox.length = 0;
    const waiting = [...pending.values()];
    pending.clear();
    for (const entry of waiting) {
      entry.detach();
      entry.resolve(closedReply(detail));
    }
  }

  function onMessage(data: unknown): void {
    let message: z.infer<typeof ServerMessageSchema>;
    try {
      if (typeof data !== 'string') throw new Error('binary frame');
      message = ServerMessageSchema.parse(JSON.parse(data));
    } catch (error) {
      // A backend that speaks something else is broken; carrying on would mismatch replies.
      failAll(`the backend sent a malformed message: ${error instanceof Error ? error.message : String(error)}`);
      socket.close(CLOSE_PROTOCOL_ERROR, 'malformed message');
      setState('closed');
      return;
    }
    if (message.kind === 'event') {
      for (const listener of [...(subscribers.get(message.name) ?? [])]) listener(message.payload);
      return;
    }
    const entry = pending.get(message.id);
    // A reply to a request the caller already cancelled has nobody waiting for it.
    if (entry === undefined) return;
    pending.delete(message.id);
    entry.detach();
    entry.resolve(message.reply as Reply);
  }

  socket.addEventListener('open', () => {
    setState('open');
    for (const text of outbox.splice(0)) socket.send(text);
  });
  socket.addEventListener('message', (event) => onMessage(event.data));
  socket.addEventListener('close', (event) => {
    if (state === 'closed') return;
    failAll(`code ${event.code}${event.reason === '' ? '' : `, ${event.reason}`}`);
    setState('closed');
  });
  socket.addEventListener('error', () => {
    // The close event always follows an error event and carries the code; nothing to do here.
  });

  function request(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply> {
    if (state === 'closed') return Promise.resolve(closedReply(closeDetail));
    if (signal?.aborted) return Promise.resolve(cancelledReply());
    const id = nextId;
    nextId += 1;
    return new Promise<Reply>((resolve) => {
      const onAbort = (): void => {
        if (!pending.delete(id)) return;
        send({ kind: 'cancel', id });
        resolve(cancelledReply());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, { resolve, detach: () => signal?.removeEventListener('abort', onAbort) });
      send({ kind: 'request', id, method, params: params ?? {} });
    });
  }

  function subscribe(event: string, listener: (payload: unknown) => void): () => void {
    let listeners = subscribers.get(event);
    if (listeners === undefined) {
      listeners = new Set();
      subscribers.set(event, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  function ready(): Promise<void> {
    if (state === 'open') return Promise.resolve();
    if (state === 'closed') return Promise.reject(new StudioError('protocol/closed', `The connection is closed (${closeDetail}).`));
    return new Promise<void>((resolve, reject) => {
      const unsubscribe = onStateChange((next) => {
        unsubscribe();
        if (next === 'open') resolve();
        else reject(new StudioError('protocol/closed', `The connection closed before it opened (${closeDetail}).`));
      });
    });
  }

  function onStateChange(listener: (state: ConnectionState) => void): () => void {
    stateListeners.add(listener);
    return () => {
      stateListeners.delete(listener);
    };
  }

  return {
    get state() {
      return state;
    },
    request,
    subscribe,
    onStateChange,
    ready,
    close() {
      if (state === 'closed') return;
      failAll('closed by the client');
      socket.close(CLOSE_NORMAL, 'client closed');
      setState('closed');
    },
  };
}

/**
 * The socket URL for a page the studio served: `http://host/?token=T` becomes
 * `ws://host/api?token=T` (https becomes wss).
 */
export function socketUrlForPage(page: { protocol: string; host: string; search: string }, path: string): string {
  const match = /[?&]token=([^&#]*)/.exec(page.search);
  const token = match?.[1] ?? '';
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}${path}?token=${token}`;
}
