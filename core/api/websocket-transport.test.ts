import { describe, expect, it } from 'vitest';

import { createWebSocketTransport, socketUrlForPage } from './websocket-transport';

import type { WebSocketLike } from './websocket-transport';

/** The client end of a socket whose server side the test plays by hand. */
class ScriptedSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: unknown[] = [];
  readonly #listeners = new Map<string, ((event: never) => void)[]>();

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#fire('close', { code, reason });
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  open(): void {
    this.readyState = 1;
    this.#fire('open', {});
  }

  receive(message: unknown): void {
    this.#fire('message', { data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  #fire(type: string, event: object): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event as never);
  }
}

describe('createWebSocketTransport', () => {
  it('queues requests until the socket opens, then matches replies by id', async () => {
    const socket = new ScriptedSocket();
    const transport = createWebSocketTransport(socket);
    expect(transport.state).toBe('connecting');
    const reply = transport.request('system.echo', { message: 'hi' });
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(transport.state).toBe('open');
    expect(socket.sent).toEqual([{ kind: 'request', id: 1, method: 'system.echo', params: { message: 'hi' } }]);
    socket.receive({ kind: 'reply', id: 1, reply: { ok: true, result: { message: 'hi' } } });
    expect(await reply).toEqual({ ok: true, result: { message: 'hi' } });
  });

  it('sends cancel and settles with cancelled when the signal fires', async () => {
    const socket = new ScriptedSocket();
    socket.open();
    const transport = createWebSocketTransport(socket);
    const controller = new AbortController();
    const reply = transport.request('jobs.wait', { runId: 'a' }, controller.signal);
    controller.abort();
    const settled = await reply;
    expect(settled.ok).toBe(false);
    expect(!settled.ok && settled.error.code).toBe('cancelled');
    expect(socket.sent).toContainEqual({ kind: 'cancel', id: 1 });
    // A late reply to the cancelled request is dropped without harm.
    socket.receive({ kind: 'reply', id: 1, reply: { ok: true, result: null } });
  });

  it('fails pending requests with protocol/closed when the socket closes, and later ones at once', async () => {
    const socket = new ScriptedSocket();
    socket.open();
    const transport = createWebSocketTransport(socket);
    const states: string[] = [];
    transport.onStateChange((state) => states.push(state));
    const pending = transport.request('jobs.wait', { runId: 'a' });
    socket.close(1006, 'gone');
    const settled = await pending;
    expect(!settled.ok && settled.error.code).toBe('protocol/closed');
    expect(!settled.ok && settled.error.message).toContain('1006');
    expect(states).toEqual(['closed']);
    const later = await transport.request('system.info', {});
    expect(!later.ok && later.error.code).toBe('protocol/closed');
    await expect(transport.ready()).rejects.toMatchObject({ code: 'protocol/closed' });
  });

  it('dispatches events to their subscribers only', () => {
    const socket = new ScriptedSocket();
    socket.open();
    const transport = createWebSocketTransport(socket);
    const seen: unknown[] = [];
    const unsubscribe = transport.subscribe('jobs.changed', (payload) => seen.push(payload));
    transport.subscribe('system.log', () => seen.push('wrong'));
    socket.receive({ kind: 'event', name: 'jobs.changed', payload: { runId: 'a' } });
    unsubscribe();
    socket.receive({ kind: 'event', name: 'jobs.changed', payload: { runId: 'b' } });
    expect(seen).toEqual([{ runId: 'a' }]);
  });

  it('closes on a malformed message from the server and fails what was pending', async () => {
    const socket = new ScriptedSocket();
    socket.open();
    const transport = createWebSocketTransport(socket);
    const pending = transport.request('system.info', {});
    socket.receive('this is not the protocol');
    const settled = await pending;
    expect(!settled.ok && settled.error.code).toBe('protocol/closed');
    expect(transport.state).toBe('closed');
    expect(socket.readyState).toBe(3);
  });

  it('ready() resolves on open and close() fails pending requests', async () => {
    const socket = new ScriptedSocket();
    const transport = createWebSocketTransport(socket);
    const ready = transport.ready();
    socket.open();
    await ready;
    const pending = transport.request('jobs.wait', { runId: 'a' });
    transport.close();
    const settled = await pending;
    expect(!settled.ok && settled.error.code).toBe('protocol/closed');
  });
});

describe('socketUrlForPage', () => {
  it('turns the printed page URL into the socket URL', () => {
    expect(socketUrlForPage({ protocol: 'http:', host: '127.0.0.1:5000', search: '?token=abc-_1' }, '/api')).toBe('ws://127.0.0.1:5000/api?token=abc-_1');
    expect(socketUrlForPage({ protocol: 'https:', host: 'studio.local', search: '?x=1&token=t' }, '/api')).toBe('wss://studio.local/api?token=t');
  });
});
