/**
 * The simulated phone on TCP, where adbd listens for `adb connect HOST:PORT`. Stopping the server
 * drops every connection at once, which is what unplugging the phone looks like to the adb server.
 */
import { createServer } from 'node:net';

import { StudioError } from '../../../core/shared/errors';

import { AdbDaemonConnection } from './adb/daemon-connection';

import type { Server, Socket } from 'node:net';
import type { SimPhone } from './sim-phone';

export interface SimPhoneServerOptions {
  phone: SimPhone;
  /** 0 picks a free port. Avoid 5555-5585: the adb server scans them for emulators. */
  port?: number;
  host?: string;
  onLog?: (line: string) => void;
}

export class SimPhoneServer {
  readonly phone: SimPhone;
  readonly #options: SimPhoneServerOptions;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  constructor(options: SimPhoneServerOptions) {
    this.phone = options.phone;
    this.#options = options;
  }

  get port(): number {
    return this.#port;
  }

  /** Serial the adb server will give this phone after `adb connect`. */
  get serial(): string {
    return `${this.#options.host ?? '127.0.0.1'}:${this.#port}`;
  }

  async start(): Promise<number> {
    if (this.#server !== null) return this.#port;
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(new StudioError(error.code === 'EADDRINUSE' ? 'input/invalid' : 'device/failed', `The simulated phone cannot listen on port ${this.#options.port ?? 0}: ${error.message}`, {
          cause: error,
          hint: error.code === 'EADDRINUSE' ? 'Choose another --port.' : 'Check the host and port.',
        }));
      });
      server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => resolve());
    });
    this.#server = server;
    const address = server.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : 0;
    return this.#port;
  }

  /** Closes the listener and every connection (the phone disappears from `adb devices`). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#options.onLog?.(`adb connection from ${peer}`);
    const connection = new AdbDaemonConnection({
      banner: this.phone.banner(),
      protocolVersion: this.phone.profile.adb.protocolVersion,
      maxPayloadBytes: this.phone.profile.adb.maxPayloadBytes,
      auth: this.phone.auth,
      openService: (service) => {
        this.#options.onLog?.(`open ${service}`);
        return this.phone.openService(service);
      },
      send: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      drop: (reason) => {
        this.#options.onLog?.(`dropping ${peer}: ${reason instanceof Error ? reason.message : String(reason)}`);
        socket.destroy();
      },
      onError: (error) => this.#options.onLog?.(`service error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`),
    });
    socket.on('data', (chunk: Buffer) => connection.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('error', (error) => this.#options.onLog?.(`connection ${peer}: ${error.message}`));
    socket.on('close', () => {
      this.#sockets.delete(socket);
      connection.close();
      this.#options.onLog?.(`adb connection ${peer} closed`);
    });
  }
}
