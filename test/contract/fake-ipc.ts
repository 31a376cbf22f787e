/**
 * A working in-process stand-in for Electron's IPC: ipcMain, one window's webContents and its
 * ipcRenderer, wired together. Arguments and results are structured-cloned as Electron does, so
 * what crosses here would cross the real channels.
 */
import type { FrameLike, IpcMainLike, IpcSenderEventLike, WebContentsLike } from '../../electron/main/ipc-host';
import type { IpcRendererLike } from '../../electron/preload/bridge';

type MainHandler = (event: IpcSenderEventLike, ...args: unknown[]) => Promise<unknown>;
type MainListener = (event: IpcSenderEventLike, ...args: unknown[]) => void;
type RendererListener = (event: unknown, ...args: unknown[]) => void;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, MainHandler>();
  readonly listeners = new Map<string, Set<MainListener>>();

  handle(channel: string, handler: MainHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  on(channel: string, listener: MainListener): this {
    let set = this.listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    return this;
  }

  removeListener(channel: string, listener: MainListener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }
}

export class FakeWebContents implements WebContentsLike {
  readonly rendererListeners = new Map<string, Set<RendererListener>>();
  destroyed = false;

  constructor(readonly id: number) {}

  send(channel: string, ...args: unknown[]): void {
    const copies = structuredClone(args);
    for (const listener of this.rendererListeners.get(channel) ?? []) listener({ sender: null }, ...copies);
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export interface FakeRendererOptions {
  ipcMain: FakeIpcMain;
  contents: FakeWebContents;
  /** The frame the renderer's messages come from (our page's main frame unless a test says otherwise). */
  frame: FrameLike;
}

export function createFakeIpcRenderer(options: FakeRendererOptions): IpcRendererLike {
  const event = (): IpcSenderEventLike => ({ sender: options.contents, senderFrame: options.frame });
  return {
    async invoke(channel, ...args) {
      const handler = options.ipcMain.handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      const result = await handler(event(), ...structuredClone(args));
      return structuredClone(result);
    },
    send(channel, ...args) {
      const copies = structuredClone(args);
      for (const listener of options.ipcMain.listeners.get(channel) ?? []) listener(event(), ...copies);
    },
    on(channel, listener) {
      let set = options.contents.rendererListeners.get(channel);
      if (set === undefined) {
        set = new Set();
        options.contents.rendererListeners.set(channel, set);
      }
      set.add(listener);
      return this;
    },
  };
}
