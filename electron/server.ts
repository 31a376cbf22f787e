/**
 * The browser host (`spvit serve`): one HTTP server that serves the built renderer and hosts the
 * backend over a WebSocket at WS_PATH. Bound to 127.0.0.1 unless told otherwise; the socket needs
 * this launch's token and, from a browser, one of our origins.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

import { WebSocketServer } from 'ws';

import { WS_PATH } from '../core/api/ws-protocol';
import { StudioError } from '../core/shared/errors';

import { CLOSE_CODES, hostConnection } from './server/socket-connection';
import { createToken, originAllowed, tokenMatches, urlHost } from './server/socket-security';
import { createStaticFiles } from './server/static-files';

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Dispatcher } from '../core/api/transport';
import type { OriginPolicy } from './server/socket-security';

const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../renderer/dist/', import.meta.url));

export interface StudioServerOptions {
  dispatcher: Dispatcher;
  /** 127.0.0.1 by default. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** A fresh random token per launch unless given (tests). */
  token?: string;
  /** The built renderer; renderer/dist by default. */
  staticDir?: string;
  /** Origins besides our own that may open the socket, e.g. a vite dev server. */
  extraOrigins?: readonly string[];
  /** The largest message a client may send; 8 MiB by default. */
  maxMessageBytes?: number;
}

export interface StudioServer {
  /** The page to open: `http://127.0.0.1:PORT/?token=TOKEN`. */
  readonly url: string;
  /** The socket the page connects to: `ws://127.0.0.1:PORT/api?token=TOKEN`. */
  readonly socketUrl: string;
  readonly host: string;
  /** The address actually bound, as the OS reports it. */
  readonly boundAddress: string;
  readonly port: number;
  readonly token: string;
  /** Closes every connection (aborting their requests) and the server. */
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const MAX_IN_FLIGHT = 256;
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const CLOSE_GRACE_MS = 1000;

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
}

/** A polite close first; a client that does not answer within a second is cut off. */
function closeClient(client: WebSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (client.readyState === client.CLOSED) return resolve();
    const timer = setTimeout(() => client.terminate(), CLOSE_GRACE_MS);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.close(CLOSE_CODES.goingAway, 'server shutting down');
  });
}

export async function startStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? createToken();
  const server = createServer(createStaticFiles({ rootDir: options.staticDir ?? DEFAULT_RENDERER_DIR }));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
  const policy: OriginPolicy = { boundHost: host, port: 0, extraOrigins: options.extraOrigins ?? [] };

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {
      // A client that went away mid-handshake: nothing to answer.
    });
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse(socket, 401, 'Unauthorized');
    if (!originAllowed(policy, request.headers.origin, request.headers.host)) return refuse(socket, 403, 'Forbidden');
    sockets.handleUpgrade(request, socket, head, (ws) => {
      hostConnection(ws, options.dispatcher, { maxInFlight: MAX_IN_FLIGHT, maxBufferedBytes: MAX_BUFFERED_BYTES });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EADDRINUSE' ? 'Pick another port with --port, or --port 0 for any free one.' : 'Check --host and --port.';
      reject(new StudioError('input/invalid', `Cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error, hint }));
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new StudioError('internal/bug', 'The HTTP server has no TCP address.');
  policy.port = address.port;
  const base = `${urlHost(host)}:${address.port}`;

  return {
    url: `http://${base}/?token=${token}`,
    socketUrl: `ws://${base}${WS_PATH}?token=${token}`,
    host,
    boundAddress: address.address,
    port: address.port,
    token,
    async close() {
      await Promise.all([...sockets.clients].map((client) => closeClient(client)));
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
