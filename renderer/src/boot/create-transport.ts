/**
 * Picks the transport once, at boot, from the build target: Electron's preload bridge, or a
 * WebSocket to the `spvit serve` that served this page (its URL carries the per-launch token).
 */
import { createIpcTransport } from '../../../core/api/ipc-transport';
import { createWebSocketTransport, socketUrlForPage } from '../../../core/api/websocket-transport';
import { WS_PATH } from '../../../core/api/ws-protocol';

import { createFixedTransport, createLiveTransport } from './live-transport';

import type { StudioBridge } from '../../../core/api/ipc-transport';
import type { Clock, LiveTransport } from './live-transport';

const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => window.setTimeout(callback, delayMs),
  clearTimeout: (handle) => window.clearTimeout(handle),
};

export function createBootTransport(win: Window): LiveTransport {
  if (import.meta.env.VITE_TARGET === 'electron') {
    const bridge = (win as Window & { studio?: StudioBridge }).studio;
    if (bridge === undefined) throw new Error('window.studio is missing: the preload script did not run.');
    return createFixedTransport(createIpcTransport(bridge));
  }
  const socketUrl = socketUrlForPage(win.location, WS_PATH);
  return createLiveTransport({
    connect: () => createWebSocketTransport(new WebSocket(socketUrl)),
    clock: browserClock,
  });
}

/** The page was opened without `?token=`: the backend will refuse the socket. */
export function pageLacksToken(win: Window): boolean {
  return import.meta.env.VITE_TARGET === 'web' && !new URLSearchParams(win.location.search).has('token');
}
