/**
 * Who may open the backend's WebSocket: the launch token is required (401 otherwise), a foreign
 * page is refused by its Origin (403), and the server listens on loopback only by default.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { WS_PATH } from '../../core/api/ws-protocol';
import { createBackend } from '../../electron/backend/create-backend';
import { startStudioServer } from '../../electron/server';

import type { StudioBackend } from '../../electron/backend/create-backend';
import type { StudioServer } from '../../electron/server';

type Outcome = { opened: true } | { opened: false; status: number };

/** Tries the upgrade and reports whether it opened or the HTTP status it was refused with. */
function tryConnect(url: string, headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve({ opened: true });
    });
    socket.on('unexpected-response', (_request, response) => {
      resolve({ opened: false, status: response.statusCode ?? 0 });
      response.resume();
      socket.terminate();
    });
    socket.on('error', (error) => {
      // After 'unexpected-response' the terminate() above surfaces here; that outcome is settled.
      if (!/closed before the connection was established/.test(error.message)) reject(error);
    });
  });
}

describe('the WebSocket host guards its door', () => {
  let dataDir: string;
  let studio: StudioBackend;
  let server: StudioServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spvit-ws-security-'));
    studio = createBackend({ host: 'test', dataDir });
    server = await startStudioServer({ dispatcher: studio.backend, port: 0 });
  });

  afterAll(async () => {
    await server.close();
    await studio.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a loopback URL that carries a long random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
  });

  it('binds 127.0.0.1 by default', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.boundAddress).toBe('127.0.0.1');
  });

  it('uses a fresh token per launch', async () => {
    const other = await startStudioServer({ dispatcher: studio.backend, port: 0 });
    try {
      expect(other.token).not.toBe(server.token);
    } finally {
      await other.close();
    }
  });

  it('refuses a connection without a token with 401', async () => {
    expect(await tryConnect(`ws://127.0.0.1:${server.port}${WS_PATH}`)).toEqual({ opened: false, status: 401 });
  });

  it('refuses a wrong token with 401, even one that differs in the last character only', async () => {
    const base = `ws://127.0.0.1:${server.port}${WS_PATH}?token=`;
    const nearMiss = server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A');
    expect(await tryConnect(`${base}${nearMiss}`)).toEqual({ opened: false, status: 401 });
    expect(await tryConnect(`${base}${server.token}x`)).toEqual({ opened: false, status: 401 });
    expect(await tryConnect(`${base}`)).toEqual({ opened: false, status: 401 });
  });

  it('refuses a foreign page (Origin) with 403 even with the right token', async () => {
    const origin = { Origin: 'http://evil.example' };
    expect(await tryConnect(server.socketUrl, origin)).toEqual({ opened: false, status: 403 });
    const otherPort = { Origin: `http://127.0.0.1:${server.port + 1}` };
    expect(await tryConnect(server.socketUrl, otherPort)).toEqual({ opened: false, status: 403 });
  });

  it('accepts the right token from our own page and from a non-browser client', async () => {
    expect(await tryConnect(server.socketUrl, { Origin: `http://127.0.0.1:${server.port}` })).toEqual({ opened: true });
    expect(await tryConnect(server.socketUrl, { Origin: `http://localhost:${server.port}` })).toEqual({ opened: true });
    expect(await tryConnect(server.socketUrl)).toEqual({ opened: true });
  });

  it('answers other paths with 404', async () => {
    expect(await tryConnect(`ws://127.0.0.1:${server.port}/elsewhere?token=${server.token}`)).toEqual({ opened: false, status: 404 });
  });
});
