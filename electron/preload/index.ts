/**
 * The sandboxed preload: exposes `window.studio = { request, subscribe }` and nothing else.
 * Bundled into one CommonJS file by electron-vite (sandboxed preloads cannot load modules).
 */
import { contextBridge, ipcRenderer } from 'electron';

import { createStudioBridge } from './bridge';

const bridge = createStudioBridge(ipcRenderer);

contextBridge.exposeInMainWorld('studio', {
  request: bridge.request,
  subscribe: bridge.subscribe,
});
