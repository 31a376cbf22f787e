/**
 * Hosts the backend over Electron IPC: `studio:rpc` (invoke) runs a request, `studio:cancel`
 * aborts one, every backend event goes to every attached window on `studio:event`. Written
 * against the part of Electron it uses, so tests drive it with a fake ipcMain/ipcRenderer pair.
 * Only our window's main frame, on a trusted URL, may call; anything else is answered as data.
 */
import { z } from 'zod';

import { IPC_CHANNELS } from '../../core/api/ipc-protocol';
import { StudioError, toSerializedError } from '../../core/shared/errors';

import type { IpcEvent } from '../../core/api/ipc-protocol';
import type { Dispatcher, Reply } from '../../core/api/transport';

export interface FrameLike {
  readonly url: string;
  /** null for a main frame. */
  readonly parent: FrameLike | null;
}

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface IpcSenderEventLike {
  readonly sender: WebContentsLike;
  /** null when the frame navigated away or was destroyed before the message arrived. */
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, handler: (event: IpcSenderEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcSenderEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcSenderEventLike, ...args: unknown[]) => void): unknown;
}

export interface IpcHostOptions {
  ipcMain: IpcMainLike;
  dispatcher: Dispatcher;
  /** Whether a page URL is ours: the built renderer's file, or the dev server in development. */
  isTrustedUrl: (url: string) => boolean;
}

export interface IpcHost {
  /** Lets this window call the backend and receive its events; returns the detach function. */
  attach(contents: WebContentsLike): () => void;
  /** Sends one event to every attached window (the backend's events go out by themselves). */
  broadcast(event: IpcEvent): void;
  dispose(): void;
}

const IpcRequestSchema = z.object({ id: z.number().int(), method: z.string().max(200), params: z.unknown() });

function errorReply(error: StudioError): Reply {
  return { ok: false, error: toSerializedError(error) };
}

export function hostIpc(options: IpcHostOptions): IpcHost {
  const windows = new Map<number, WebContentsLike>();
  const inFlight = new Map<number, Map<number, AbortController>>();

  function trustedSender(event: IpcSenderEventLike): boolean {
    const frame = event.senderFrame;
    return frame !== null && frame.parent === null && windows.has(event.sender.id) && options.isTrustedUrl(frame.url);
  }

  async function onRequest(event: IpcSenderEventLike, message: unknown): Promise<Reply> {
    if (!trustedSender(event)) {
      return errorReply(new StudioError('protocol/forbidden', 'This frame may not call the studio backend.'));
    }
    const parsed = IpcRequestSchema.safeParse(message);
    if (!parsed.success) return errorReply(new StudioError('input/invalid', 'Malformed IPC request.'));
    const { id, method, params } = parsed.data;
    const requests = inFlight.get(event.sender.id);
    if (requests === undefined || requests.has(id)) {
      return errorReply(new StudioError('input/invalid', `Request id ${id} is already in flight.`));
    }
    const controller = new AbortController();
    requests.set(id, controller);
    try {
      return await options.dispatcher.dispatch(method, params, controller.signal);
    } catch (error) {
      return { ok: false, error: toSerializedError(error) };
    } finally {
      if (requests.get(id) === controller) requests.delete(id);
    }
  }

  function onCancel(event: IpcSenderEventLike, id: unknown): void {
    if (!trustedSender(event) || typeof id !== 'number') return;
    const requests = inFlight.get(event.sender.id);
    const controller = requests?.get(id);
    requests?.delete(id);
    controller?.abort(new StudioError('cancelled', 'Cancelled by the window.'));
  }

  function broadcast(message: IpcEvent): void {
    for (const contents of windows.values()) {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.event, message);
    }
  }

  function detach(contents: WebContentsLike): void {
    if (windows.get(contents.id) !== contents) return;
    windows.delete(contents.id);
    for (const controller of inFlight.get(contents.id)?.values() ?? []) {
      controller.abort(new StudioError('cancelled', 'The window closed.'));
    }
    inFlight.delete(contents.id);
  }

  options.ipcMain.handle(IPC_CHANNELS.rpc, (event, message) => onRequest(event, message));
  options.ipcMain.on(IPC_CHANNELS.cancel, onCancel);
  const unsubscribe = options.dispatcher.onEvent((name, payload) => broadcast({ name, payload }));

  return {
    attach(contents) {
      windows.set(contents.id, contents);
      inFlight.set(contents.id, new Map());
      return () => detach(contents);
    },
    broadcast,
    dispose() {
      unsubscribe();
      options.ipcMain.removeHandler(IPC_CHANNELS.rpc);
      options.ipcMain.removeListener(IPC_CHANNELS.cancel, onCancel);
      for (const contents of [...windows.values()]) detach(contents);
    },
  };
}
