/**
 * One adb stream (an OPENed service) on the daemon side, with adb's stop-and-wait flow control:
 * a WRTE goes out only after the host acknowledged the previous one with OKAY, and the host's
 * WRTEs are acknowledged when the service consumes them.
 */
import { StudioError } from '../../../../core/shared/errors';

export interface DaemonSocketLink {
  sendWrite(localId: number, remoteId: number, chunk: Uint8Array): void;
  sendOkay(localId: number, remoteId: number): void;
  sendClose(localId: number, remoteId: number): void;
  maxPayloadBytes(): number;
  forget(localId: number): void;
}

interface PendingWrite {
  chunks: Uint8Array[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AdbDaemonSocket {
  readonly localId: number;
  readonly remoteId: number;
  readonly service: string;
  readonly #link: DaemonSocketLink;
  readonly #abort = new AbortController();
  readonly #incoming: Uint8Array[] = [];
  #readWaiter: ((chunk: Uint8Array | null) => void) | null = null;
  readonly #writes: PendingWrite[] = [];
  #awaitingAck = false;
  readonly #drainWaiters: (() => void)[] = [];
  #closedByHost = false;
  #closed = false;

  constructor(options: { localId: number; remoteId: number; service: string; link: DaemonSocketLink }) {
    this.localId = options.localId;
    this.remoteId = options.remoteId;
    this.service = options.service;
    this.#link = options.link;
  }

  /** Fires when the host closes the stream or the connection drops (the process is "killed"). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next chunk the host wrote, or null once the host closed the stream. */
  read(): Promise<Uint8Array | null> {
    const chunk = this.#incoming.shift();
    if (chunk !== undefined) {
      this.#link.sendOkay(this.localId, this.remoteId);
      return Promise.resolve(chunk);
    }
    if (this.#closedByHost || this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#readWaiter = resolve;
    });
  }

  /** Resolves when every chunk of `data` was acknowledged by the host. */
  write(data: Uint8Array): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new StudioError('device/disconnected', `adb stream ${this.service} is closed.`));
    }
    if (data.length === 0) return Promise.resolve();
    const max = this.#link.maxPayloadBytes();
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < data.length; offset += max) {
      chunks.push(data.slice(offset, Math.min(data.length, offset + max)));
    }
    return new Promise((resolve, reject) => {
      this.#writes.push({ chunks, resolve, reject });
      this.#pump();
    });
  }

  /** Sends CLSE once the queued output has been acknowledged. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#writes.length > 0 || this.#awaitingAck) {
      await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    }
    if (this.#closed) return;
    this.#closed = true;
    this.#link.sendClose(this.localId, this.remoteId);
    this.#finish();
  }

  onHostWrite(chunk: Uint8Array): void {
    if (this.#closed) return;
    if (this.#readWaiter !== null) {
      const waiter = this.#readWaiter;
      this.#readWaiter = null;
      this.#link.sendOkay(this.localId, this.remoteId);
      waiter(chunk);
    } else {
      this.#incoming.push(chunk);
    }
  }

  onHostOkay(): void {
    this.#awaitingAck = false;
    this.#pump();
  }

  /** The host closed the stream, or the whole connection went away. */
  onHostClose(): void {
    this.#closedByHost = true;
    this.#closed = true;
    this.#finish();
  }

  #pump(): void {
    while (!this.#awaitingAck && !this.#closed) {
      const head = this.#writes[0];
      if (head === undefined) break;
      const chunk = head.chunks.shift();
      if (chunk === undefined) {
        this.#writes.shift();
        head.resolve();
        continue;
      }
      this.#awaitingAck = true;
      this.#link.sendWrite(this.localId, this.remoteId, chunk);
    }
    if (!this.#awaitingAck && this.#writes.length === 0) this.#releaseDrainWaiters();
  }

  #releaseDrainWaiters(): void {
    for (const waiter of this.#drainWaiters.splice(0)) waiter();
  }

  #finish(): void {
    this.#link.forget(this.localId);
    const error = new StudioError('device/disconnected', `adb stream ${this.service} was closed by the host.`);
    for (const write of this.#writes.splice(0)) write.reject(error);
    if (this.#readWaiter !== null) {
      const waiter = this.#readWaiter;
      this.#readWaiter = null;
      waiter(null);
    }
    this.#releaseDrainWaiters();
    this.#abort.abort(error);
  }
}
