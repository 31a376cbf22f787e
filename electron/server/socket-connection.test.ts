import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startStudioServer } from '../server';

import type { AbortSignalLike } from '../../core/shared/abort';
import type { Dispatcher, Reply } from '../../core/api/transport';
import type { ServerMessage } from '../../core/api/ws-protocol';
import type { StudioServer } from '../server';

/**
 * A real Dispatcher whose `hang` method waits for its signal, recording that it fired; `echo`
 * answers at once. Enough to observe what the connection does with requests and cancels.
 */
class RecordingDispatcher implements Dispatcher {
  readonly aborted: number[] = [];
  readonly started: number[] = [];
  readonly #listeners = new Set<(event: string, payload: unknown) => void>();
  readonly #watchers = new Set<() => void>();

  dispatch(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply> {
    if (method === 'echo') return Promise.resolve({ ok: true, result: params });
    const tag = (params as { tag: number }).tag;
    this.started.push(tag);
    this.#changed();
    return new Promise((resolve) => {
      signal?.addEventListener('abort', () => {
        this.aborted.push(tag);
        this.#changed();
        resolve({ ok: false, error: { $isError: true, code: 'cancelled', name: 'StudioError', message: 'aborted' } });
      });
    });
  }

  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: string, payload: unknown): void {
    for (const listener of this.#listeners) listener(event, payload);
  }

  /** Resolves once `count` hanging requests have started. */
  whenStarted(count: number): Promise<void> {
    return this.#until(() => this.started.length >= count);
  }

  /** Resolves once `count` handlers have seen their signal fire. */
  whenAborted(count: number): Promise<void> {
    return this.#until(() => this.aborted.length >= count);
  }

  #until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        this.#watchers.delete(check);
        resolve();
      };
      this.#watchers.add(check);
      check();
    });
  }

  #changed(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }
}

interface Peer {
  socket: WebSocket;
  next(): Promise<ServerMessage>;
  closed: Promise<number>;
}

async function connect(server: StudioServer): Promise<Peer> {
  const socket = new WebSocket(server.socketUrl);
  const queue: ServerMessage[] = [];
  const waiting: ((message: ServerMessage) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as ServerMessage;
    const waiter = waiting.shift();
    if (waiter === undefined) queue.push(message);
    else waiter(message);
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    closed,
    next: () => {
      const queued = queue.shift();
      return queued === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(queued);
    },
  };
}

describe('a WebSocket connection to the backend', () => {
  let dispatcher: RecordingDispatcher;
  let server: StudioServer;

  beforeEach(async () => {
    dispatcher = new RecordingDispatcher();
    server = await startStudioServer({ dispatcher, port: 0, maxMessageBytes: 64 * 1024 });
  });

  afterEach(async () => {
    await server.close();
  });

  it('answers a request with its id', async () => {
    const peer = await connect(server);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 7, method: 'echo', params: { a: 1 } }));
    expect(await peer.next()).toEqual({ kind: 'reply', id: 7, reply: { ok: true, result: { a: 1 } } });
  });

  it('aborts the handler when the client sends cancel', async () => {
    const peer = await connect(server);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 1, method: 'hang', params: { tag: 1 } }));
    await dispatcher.whenStarted(1);
    peer.socket.send(JSON.stringify({ kind: 'cancel', id: 1 }));
    await dispatcher.whenAborted(1);
    expect(dispatcher.aborted).toEqual([1]);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 2, method: 'echo', params: 'after' }));
    expect(await peer.next()).toMatchObject({ id: 2 });
  });

  it('aborts every running handler of a connection when its socket closes', async () => {
    const peer = await connect(server);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 1, method: 'hang', params: { tag: 10 } }));
    peer.socket.send(JSON.stringify({ kind: 'request', id: 2, method: 'hang', params: { tag: 11 } }));
    await dispatcher.whenStarted(2);
    peer.socket.close();
    await dispatcher.whenAborted(2);
    expect(dispatcher.aborted.sort()).toEqual([10, 11]);
  });

  it('forwards backend events to every connected socket', async () => {
    const first = await connect(server);
    const second = await connect(server);
    dispatcher.emit('jobs.changed', { runId: 'x' });
    const expected = { kind: 'event', name: 'jobs.changed', payload: { runId: 'x' } };
    expect(await first.next()).toEqual(expected);
    expect(await second.next()).toEqual(expected);
  });

  it('answers a malformed request that has an id with input/invalid', async () => {
    const peer = await connect(server);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 3, method: 42 }));
    const message = await peer.next();
    expect(message).toMatchObject({ kind: 'reply', id: 3, reply: { ok: false, error: { code: 'input/invalid' } } });
    peer.socket.send(JSON.stringify({ kind: 'request', id: 4, method: 'echo', params: 'still here' }));
    expect(await peer.next()).toMatchObject({ id: 4, reply: { ok: true } });
  });

  it('closes the socket on messages it cannot answer, and keeps serving others', async () => {
    const cases: [string | Buffer, number][] = [
      ['not json', 1007],
      [JSON.stringify({ hello: 'there' }), 1008],
      [Buffer.from([1, 2, 3]), 1003],
      [JSON.stringify({ kind: 'request', id: 1, method: 'echo', params: 'x'.repeat(70 * 1024) }), 1009],
    ];
    for (const [data, code] of cases) {
      const peer = await connect(server);
      peer.socket.send(data, { binary: Buffer.isBuffer(data) });
      expect(await peer.closed).toBe(code);
    }
    const healthy = await connect(server);
    healthy.socket.send(JSON.stringify({ kind: 'request', id: 1, method: 'echo', params: 'ok' }));
    expect(await healthy.next()).toMatchObject({ reply: { ok: true, result: 'ok' } });
  });

  it('refuses a second request with an id that is still in flight', async () => {
    const peer = await connect(server);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 5, method: 'hang', params: { tag: 5 } }));
    await dispatcher.whenStarted(1);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 5, method: 'echo', params: 'dup' }));
    expect(await peer.next()).toMatchObject({ id: 5, reply: { ok: false, error: { code: 'input/invalid' } } });
  });

  it('closes open connections when the server closes', async () => {
    const peer = await connect(server);
    peer.socket.send(JSON.stringify({ kind: 'request', id: 1, method: 'hang', params: { tag: 20 } }));
    await dispatcher.whenStarted(1);
    await server.close();
    expect(await peer.closed).toBe(1001);
    expect(dispatcher.aborted).toEqual([20]);
    server = await startStudioServer({ dispatcher, port: 0 });
  });
});
