/**
 * The three hosts of the one backend, each set up as a test would meet it: in memory, over a
 * real WebSocket to the `spvit serve` server, and over (fake) Electron IPC through the real IPC
 * host and preload bridge.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WebSocket } from 'ws';

import { createInMemoryTransport } from '../../core/api/in-memory-transport';
import { createIpcTransport } from '../../core/api/ipc-transport';
import { createWebSocketTransport } from '../../core/api/websocket-transport';
import { createBackend } from '../../electron/backend/create-backend';
import { hostIpc } from '../../electron/main/ipc-host';
import { createStudioBridge } from '../../electron/preload/bridge';
import { startStudioServer } from '../../electron/server';

import { createFakeIpcRenderer, FakeIpcMain, FakeWebContents } from './fake-ipc';

import type { Transport } from '../../core/api/transport';

export interface HostedBackend {
  transport: Transport;
  close(): Promise<void>;
}

export interface TransportCase {
  name: string;
  start(): Promise<HostedBackend>;
}

async function backendWithDataDir(): Promise<{ studio: ReturnType<typeof createBackend>; dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'spvit-contract-'));
  const studio = createBackend({ host: 'test', dataDir, validateResults: true });
  return {
    studio,
    async dispose() {
      await studio.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const inMemory: TransportCase = {
  name: 'in-memory',
  async start() {
    const { studio, dispose } = await backendWithDataDir();
    return { transport: createInMemoryTransport(studio.backend), close: dispose };
  },
};

const webSocket: TransportCase = {
  name: 'websocket',
  async start() {
    const { studio, dispose } = await backendWithDataDir();
    const server = await startStudioServer({ dispatcher: studio.backend, port: 0 });
    const transport = createWebSocketTransport(new WebSocket(server.socketUrl));
    await transport.ready();
    return {
      transport,
      async close() {
        transport.close();
        await server.close();
        await dispose();
      },
    };
  },
};

const PAGE_URL = 'file:///opt/spvit-studio/out/renderer/index.html';

const electronIpc: TransportCase = {
  name: 'electron-ipc',
  async start() {
    const { studio, dispose } = await backendWithDataDir();
    const ipcMain = new FakeIpcMain();
    const host = hostIpc({ ipcMain, dispatcher: studio.backend, isTrustedUrl: (url) => url === PAGE_URL });
    const contents = new FakeWebContents(1);
    const detach = host.attach(contents);
    const ipcRenderer = createFakeIpcRenderer({ ipcMain, contents, frame: { url: PAGE_URL, parent: null } });
    const transport = createIpcTransport(createStudioBridge(ipcRenderer));
    return {
      transport,
      async close() {
        detach();
        host.dispose();
        await dispose();
      },
    };
  },
};

export const TRANSPORT_CASES: readonly TransportCase[] = [inMemory, webSocket, electronIpc];
