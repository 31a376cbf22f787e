/**
 * One Transport that outlives its sockets: when the link to the backend drops, it says so, retries
 * with back-off (or at once on `reconnect()`), and re-attaches every event subscription to the new
 * link. The connection indicator and the stores' reloads are driven by its ConnectionInfo.
 */
import type { Reply, Transport } from '../../../core/api/transport';
import type { AbortSignalLike } from '../../../core/shared/abort';

/** The shape of one link (a WebSocketTransport fits): it opens once and closes once. */
export interface Link extends Transport {
  readonly state: 'connecting' | 'open' | 'closed';
  onStateChange(listener: (state: 'connecting' | 'open' | 'closed') => void): () => void;
  close(): void;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export interface ConnectionInfo {
  readonly status: ConnectionStatus;
  /** Attempts that failed since the link was last open. */
  readonly failedAttempts: number;
  /** When the next automatic attempt starts (ms since the epoch), or null when none is planned. */
  readonly retryAt: number | null;
  /** How many times a link has opened; stores reload what they show when it grows. */
  readonly openCount: number;
}

export const INITIAL_CONNECTION: ConnectionInfo = { status: 'connecting', failedAttempts: 0, retryAt: null, openCount: 0 };

export interface LiveTransport extends Transport {
  readonly connection: ConnectionInfo;
  onConnectionChange(listener: (info: ConnectionInfo) => void): () => void;
  /** Tries again now instead of waiting for the back-off; no-op while connecting or connected. */
  reconnect(): void;
  /** Closes the link for good: no more retries. */
  close(): void;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): number;
  clearTimeout(handle: number): void;
}

export interface LiveTransportOptions {
  connect: () => Link;
  clock: Clock;
  retryDelayMs?: (failedAttempts: number) => number;
}

/** 1 s, 2 s, 4 s, 8 s, then every 15 s. */
export function backoffDelayMs(failedAttempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failedAttempts - 1), 15_000);
}

export function createLiveTransport(options: LiveTransportOptions): LiveTransport {
  const retryDelayMs = options.retryDelayMs ?? backoffDelayMs;
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const connectionListeners = new Set<(info: ConnectionInfo) => void>();
  let info: ConnectionInfo = INITIAL_CONNECTION;
  let link: Link;
  let linkSubscriptions: (() => void)[] = [];
  let retryTimer: number | null = null;
  let closedForGood = false;

  function update(next: ConnectionInfo): void {
    info = next;
    for (const listener of [...connectionListeners]) listener(info);
  }

  function attachEvent(target: Link, event: string): void {
    linkSubscriptions.push(
      target.subscribe(event, (payload) => {
        for (const listener of [...(eventListeners.get(event) ?? [])]) listener(payload);
      }),
    );
  }

  function onLinkState(target: Link, state: Link['state']): void {
    if (target !== link || closedForGood) return;
    if (state === 'open') {
      update({ status: 'connected', failedAttempts: 0, retryAt: null, openCount: info.openCount + 1 });
    } else if (state === 'closed') {
      const failedAttempts = info.failedAttempts + 1;
      const delayMs = retryDelayMs(failedAttempts);
      retryTimer = options.clock.setTimeout(open, delayMs);
      update({ ...info, status: 'disconnected', failedAttempts, retryAt: options.clock.now() + delayMs });
    }
  }

  function open(): void {
    retryTimer = null;
    for (const unsubscribe of linkSubscriptions) unsubscribe();
    linkSubscriptions = [];
    const next = options.connect();
    link = next;
    for (const event of eventListeners.keys()) attachEvent(next, event);
    if (info.status !== 'connecting' || info.retryAt !== null) update({ ...info, status: 'connecting', retryAt: null });
    next.onStateChange((state) => onLinkState(next, state));
    // The link may have settled before we listened (a socket that fails synchronously).
    if (next.state !== 'connecting') onLinkState(next, next.state);
  }

  open();

  return {
    get connection() {
      return info;
    },
    request(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply> {
      return link.request(method, params, signal);
    },
    subscribe(event, listener) {
      let listeners = eventListeners.get(event);
      if (listeners === undefined) {
        listeners = new Set();
        eventListeners.set(event, listeners);
        attachEvent(link, event);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => {
        connectionListeners.delete(listener);
      };
    },
    reconnect() {
      if (closedForGood || info.status !== 'disconnected') return;
      if (retryTimer !== null) options.clock.clearTimeout(retryTimer);
      open();
    },
    close() {
      if (closedForGood) return;
      // Set first: closing the link reports 'closed', which must not plan a retry.
      closedForGood = true;
      if (retryTimer !== null) options.clock.clearTimeout(retryTimer);
      retryTimer = null;
      link.close();
      update({ ...info, status: 'disconnected', retryAt: null });
    },
  };
}

/** A link that is always there (Electron's IPC): connected from the start, never retried. */
export function createFixedTransport(transport: Transport): LiveTransport {
  const info: ConnectionInfo = { status: 'connected', failedAttempts: 0, retryAt: null, openCount: 1 };
  return {
    connection: info,
    request: (method, params, signal) => transport.request(method, params, signal),
    subscribe: (event, listener) => transport.subscribe(event, listener),
    onConnectionChange: () => () => undefined,
    reconnect() {
      // IPC to the main process cannot drop while the window exists; nothing to retry.
    },
    close() {
      // The window's lifetime is the link's lifetime.
    },
  };
}
