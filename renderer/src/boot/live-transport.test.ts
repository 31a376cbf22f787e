import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createClient } from '../../../core/api/client';
import { method } from '../../../core/api/define';
import { createInMemoryTransport } from '../../../core/api/in-memory-transport';
import { serve } from '../../../core/api/server';

import { backoffDelayMs, createLiveTransport } from './live-transport';

import type { Backend } from '../../../core/api/server';
import type { Clock, ConnectionInfo, Link } from './live-transport';

const pingContract = {
  methods: {
    'system.echo': method({ description: 'echo', params: z.object({ message: z.string() }), result: z.object({ message: z.string() }) }),
  },
  events: { 'system.log': z.object({ message: z.string() }) },
} as const;

function createBackend(): Backend<typeof pingContract> {
  return serve(pingContract, { 'system.echo': async ({ message }) => ({ message }) });
}

/** A link over the in-memory transport whose socket the test opens and drops. */
function createTestLink(backend: Backend<typeof pingContract>): Link & { open(): void; drop(): void } {
  const inner = createInMemoryTransport(backend);
  const listeners = new Set<(state: Link['state']) => void>();
  let state: Link['state'] = 'connecting';
  const setState = (next: Link['state']): void => {
    state = next;
    for (const listener of listeners) listener(next);
  };
  return {
    get state() {
      return state;
    },
    request: (name, params, signal) => inner.request(name, params, signal),
    subscribe: (event, listener) => inner.subscribe(event, (payload) => {
      if (state === 'open') listener(payload);
    }),
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => setState('closed'),
    open: () => setState('open'),
    drop: () => setState('closed'),
  };
}

/** Timers that run only when the test advances time. */
function createManualClock(): Clock & { advance(ms: number): void } {
  let nowMs = 0;
  let nextHandle = 1;
  const timers = new Map<number, { atMs: number; callback: () => void }>();
  return {
    now: () => nowMs,
    setTimeout(callback, delayMs) {
      timers.set(nextHandle, { atMs: nowMs + delayMs, callback });
      return nextHandle++;
    },
    clearTimeout: (handle) => void timers.delete(handle),
    advance(ms) {
      nowMs += ms;
      for (const [handle, timer] of [...timers]) {
        if (timer.atMs > nowMs) continue;
        timers.delete(handle);
        timer.callback();
      }
    },
  };
}

function setUp() {
  const backend = createBackend();
  const clock = createManualClock();
  const links: ReturnType<typeof createTestLink>[] = [];
  const live = createLiveTransport({
    clock,
    connect: () => {
      const link = createTestLink(backend);
      links.push(link);
      return link;
    },
  });
  const seen: ConnectionInfo[] = [];
  live.onConnectionChange((info) => seen.push(info));
  const lastLink = (): ReturnType<typeof createTestLink> => links[links.length - 1]!;
  return { backend, clock, links, live, seen, lastLink };
}

describe('createLiveTransport', () => {
  it('is connecting until the link opens, then connected', async () => {
    const { live, lastLink } = setUp();
    expect(live.connection.status).toBe('connecting');
    lastLink().open();
    expect(live.connection).toEqual({ status: 'connected', failedAttempts: 0, retryAt: null, openCount: 1 });
    const client = createClient(pingContract, live);
    await expect(client.api.system.echo({ message: 'hi' })).resolves.toEqual({ message: 'hi' });
  });

  it('retries a dropped link after the back-off and re-attaches event listeners to the new link', () => {
    const { backend, clock, links, live, lastLink } = setUp();
    const messages: unknown[] = [];
    live.subscribe('system.log', (payload) => messages.push(payload));
    lastLink().open();
    lastLink().drop();
    expect(live.connection).toMatchObject({ status: 'disconnected', failedAttempts: 1, retryAt: 1000 });

    clock.advance(999);
    expect(links).toHaveLength(1);
    clock.advance(1);
    expect(links).toHaveLength(2);
    expect(live.connection.status).toBe('connecting');

    lastLink().open();
    expect(live.connection).toMatchObject({ status: 'connected', failedAttempts: 0, openCount: 2 });
    backend.emit('system.log', { message: 'after reconnect' });
    expect(messages).toEqual([{ message: 'after reconnect' }]);
  });

  it('backs off 1, 2, 4, 8 s, then every 15 s, and reconnect() skips the wait', () => {
    expect([1, 2, 3, 4, 5, 9].map(backoffDelayMs)).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
    const { clock, links, live, lastLink } = setUp();
    lastLink().drop();
    clock.advance(1000);
    lastLink().drop();
    expect(live.connection).toMatchObject({ status: 'disconnected', failedAttempts: 2, retryAt: 3000 });
    live.reconnect();
    expect(links).toHaveLength(3);
    clock.advance(10_000);
    expect(links).toHaveLength(3);
  });

  it('stops for good on close()', () => {
    const { clock, links, live, lastLink, seen } = setUp();
    lastLink().open();
    live.close();
    expect(live.connection.status).toBe('disconnected');
    expect(live.connection.retryAt).toBeNull();
    clock.advance(60_000);
    live.reconnect();
    expect(links).toHaveLength(1);
    expect(seen.map((info) => info.status)).toEqual(['connected', 'disconnected']);
  });
});
