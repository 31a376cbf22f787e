/**
 * The Electron IPC host and preload bridge, driven through the fake ipcMain/ipcRenderer pair:
 * only our page's main frame may call, cancels and closed windows abort handlers, events reach
 * attached windows.
 */
import { describe, expect, it } from 'vitest';

import { checkedChannel, IPC_CHANNELS } from '../../core/api/ipc-protocol';
import { createIpcTransport } from '../../core/api/ipc-transport';
import { hostIpc } from '../../electron/main/ipc-host';
import { createStudioBridge } from '../../electron/preload/bridge';
import { createFakeIpcRenderer, FakeIpcMain, FakeWebContents } from '../contract/fake-ipc';

import type { AbortSignalLike } from '../../core/shared/abort';
import type { Dispatcher, Reply } from '../../core/api/transport';
import type { FrameLike } from '../../electron/main/ipc-host';

const PAGE = 'file:///app/out/renderer/index.html';

/** `hang` waits for its signal; `echo` answers at once. */
function hangingDispatcher(): Dispatcher & { aborted: Promise<string>; emit(name: string, payload: unknown): void } {
  const listeners = new Set<(event: string, payload: unknown) => void>();
  let onAborted: (method: string) => void = () => undefined;
  const aborted = new Promise<string>((resolve) => {
    onAborted = resolve;
  });
  return {
    aborted,
    dispatch(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply> {
      if (method === 'echo') return Promise.resolve({ ok: true, result: params });
      return new Promise((resolve) => {
        signal?.addEventListener('abort', () => {
          onAborted(method);
          resolve({ ok: false, error: { $isError: true, code: 'cancelled', name: 'StudioError', message: 'aborted' } });
        });
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(name, payload) {
      for (const listener of listeners) listener(name, payload);
    },
  };
}

function setUp(frame: FrameLike = { url: PAGE, parent: null }) {
  const ipcMain = new FakeIpcMain();
  const dispatcher = hangingDispatcher();
  const host = hostIpc({ ipcMain, dispatcher, isTrustedUrl: (url) => url === PAGE });
  const contents = new FakeWebContents(1);
  const detach = host.attach(contents);
  const bridge = createStudioBridge(createFakeIpcRenderer({ ipcMain, contents, frame }));
  return { ipcMain, dispatcher, host, contents, detach, bridge, transport: createIpcTransport(bridge) };
}

describe('the IPC host', () => {
  it('answers our page', async () => {
    const { transport } = setUp();
    expect(await transport.request('echo', { a: 1 })).toEqual({ ok: true, result: { a: 1 } });
  });

  it('refuses a foreign page, a subframe and a window it was not attached to', async () => {
    const foreign = setUp({ url: 'https://evil.example/', parent: null });
    const reply = await foreign.transport.request('echo', {});
    expect(!reply.ok && reply.error.code).toBe('protocol/forbidden');

    const subframe = setUp({ url: PAGE, parent: { url: PAGE, parent: null } });
    const fromSubframe = await subframe.transport.request('echo', {});
    expect(!fromSubframe.ok && fromSubframe.error.code).toBe('protocol/forbidden');

    const stranger = setUp();
    const otherWindow = new FakeWebContents(2);
    const strangerBridge = createStudioBridge(createFakeIpcRenderer({ ipcMain: stranger.ipcMain, contents: otherWindow, frame: { url: PAGE, parent: null } }));
    const fromStranger = await strangerBridge.request('echo', {});
    expect(!fromStranger.ok && fromStranger.error.code).toBe('protocol/forbidden');
  });

  it('answers a malformed request as data', async () => {
    const { ipcMain, contents } = setUp();
    const handler = ipcMain.handlers.get(IPC_CHANNELS.rpc)!;
    const reply = (await handler({ sender: contents, senderFrame: { url: PAGE, parent: null } }, { id: 'x' })) as Reply;
    expect(!reply.ok && reply.error.code).toBe('input/invalid');
  });

  it('aborts the handler when the window cancels the request', async () => {
    const { transport, dispatcher } = setUp();
    const controller = new AbortController();
    const reply = transport.request('hang', {}, controller.signal);
    controller.abort();
    expect(await dispatcher.aborted).toBe('hang');
    const settled = await reply;
    expect(!settled.ok && settled.error.code).toBe('cancelled');
  });

  it('aborts running handlers when the window goes away', async () => {
    const { bridge, dispatcher, detach } = setUp();
    const reply = bridge.request('hang', {});
    detach();
    expect(await dispatcher.aborted).toBe('hang');
    await reply;
  });

  it('sends backend events to attached windows that still exist', () => {
    const { transport, dispatcher, contents } = setUp();
    const seen: unknown[] = [];
    transport.subscribe('jobs.changed', (payload) => seen.push(payload));
    dispatcher.emit('jobs.changed', { n: 1 });
    contents.destroyed = true;
    dispatcher.emit('jobs.changed', { n: 2 });
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('removes its channels on dispose', () => {
    const { ipcMain, host } = setUp();
    host.dispose();
    expect(ipcMain.handlers.has(IPC_CHANNELS.rpc)).toBe(false);
    expect(ipcMain.listeners.get(IPC_CHANNELS.cancel)?.size ?? 0).toBe(0);
  });
});

describe('the preload channels', () => {
  it('lets only the studio channels through', () => {
    expect(checkedChannel('studio:rpc')).toBe('studio:rpc');
    expect(() => checkedChannel('studio:anything')).toThrow(/not one of the studio's channels/);
    expect(() => checkedChannel('devtools:open')).toThrow(/not one of the studio's channels/);
  });

  it('turns a missing main-process handler into a protocol/closed reply', async () => {
    const { host, transport } = setUp();
    host.dispose();
    const reply = await transport.request('echo', {});
    expect(!reply.ok && reply.error.code).toBe('protocol/closed');
  });
});
