/**
 * The logic of `window.studio`, written against the part of ipcRenderer it uses so that tests run
 * it without Electron. Only the studio's channels are ever touched.
 */
import { checkedChannel, IPC_CHANNELS } from '../../core/api/ipc-protocol';

import type { IpcEvent, IpcRequest } from '../../core/api/ipc-protocol';
import type { StudioBridge } from '../../core/api/ipc-transport';
import type { Reply } from '../../core/api/transport';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function isIpcEvent(value: unknown): value is IpcEvent {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

function failedReply(error: unknown): Reply {
  // Only the message survives ipcMain.handle's rejections; the host answers with data instead.
  const message = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    error: { $isError: true, code: 'protocol/closed', name: 'StudioError', message: `The studio's backend did not answer: ${message}` },
  };
}

export function createStudioBridge(ipc: IpcRendererLike): StudioBridge {
  let nextId = 1;
  const subscribers = new Map<string, Set<(payload: unknown) => void>>();

  ipc.on(checkedChannel(IPC_CHANNELS.event), (_event, message) => {
    if (!isIpcEvent(message)) return;
    for (const listener of [...(subscribers.get(message.name) ?? [])]) listener(message.payload);
  });

  return {
    request(method, params, onCanceller) {
      const id = nextId;
      nextId += 1;
      const message: IpcRequest = { id, method: String(method), params };
      const reply = ipc.invoke(checkedChannel(IPC_CHANNELS.rpc), message).then((value) => value as Reply, failedReply);
      onCanceller?.(() => ipc.send(checkedChannel(IPC_CHANNELS.cancel), id));
      return reply;
    },
    subscribe(event, listener) {
      const name = String(event);
      let listeners = subscribers.get(name);
      if (listeners === undefined) {
        listeners = new Set();
        subscribers.set(name, listeners);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
