/**
 * The daemon side of one adb transport connection, as adbd speaks it over TCP: the CNXN handshake
 * (version and max payload negotiated down to what both support), optional AUTH, then OPEN /
 * OKAY / WRTE / CLSE for every service stream.
 */
import { randomBytes } from 'node:crypto';

import {
  ADB_VERSION_SKIP_CHECKSUM,
  AdbAuthType,
  AdbCommand,
  AdbPacketReader,
  encodeAdbPacket,
} from '../../../android/protocol/adb-packet';

import { AdbDaemonSocket } from './daemon-socket';

import type { AdbPacket } from '../../../android/protocol/adb-packet';
import type { DaemonSocketLink } from './daemon-socket';

/** How the simulated phone answers the RSA prompt: none (ro.adb.secure=0), accept or never. */
export type SimAdbAuthPolicy = 'none' | 'accept' | 'reject';

export type AdbServiceHandler = (socket: AdbDaemonSocket) => Promise<void>;

export interface AdbDaemonConnectionOptions {
  banner: string;
  /** The highest version this daemon speaks (0x01000001 on Android 9+, 0x01000000 before). */
  protocolVersion: number;
  maxPayloadBytes: number;
  auth: SimAdbAuthPolicy;
  /** null: unknown service, answered with CLSE as adbd does. */
  openService(service: string): AdbServiceHandler | null;
  send(bytes: Uint8Array): void;
  /** Drop the TCP connection (bad frame). */
  drop(reason: unknown): void;
  onError?: (error: unknown) => void;
}

const AUTH_TOKEN_BYTES = 20;

export class AdbDaemonConnection {
  readonly #options: AdbDaemonConnectionOptions;
  readonly #reader: AdbPacketReader;
  readonly #sockets = new Map<number, AdbDaemonSocket>();
  #online = false;
  #version: number;
  #maxPayload: number;
  #nextLocalId = 1;
  #closed = false;

  constructor(options: AdbDaemonConnectionOptions) {
    this.#options = options;
    this.#version = options.protocolVersion;
    this.#maxPayload = options.maxPayloadBytes;
    this.#reader = new AdbPacketReader({
      maxPayloadBytes: () => this.#maxPayload,
      // Old daemons verify data checksums; new ones never do, even during the handshake.
      verifyChecksum: () => this.#online && this.#version < ADB_VERSION_SKIP_CHECKSUM,
    });
  }

  get online(): boolean {
    return this.#online;
  }

  get negotiated(): { version: number; maxPayloadBytes: number } {
    return { version: this.#version, maxPayloadBytes: this.#maxPayload };
  }

  receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    let packets: AdbPacket[];
    try {
      packets = this.#reader.push(chunk);
    } catch (error) {
      this.#options.drop(error);
      return;
    }
    for (const packet of packets) this.#handle(packet);
  }

  /** The TCP connection is gone: every running service sees its stream close. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of [...this.#sockets.values()]) socket.onHostClose();
    this.#sockets.clear();
  }

  #handle(packet: AdbPacket): void {
    switch (packet.command) {
      case AdbCommand.Connect:
        this.#onConnect(packet);
        return;
      case AdbCommand.Auth:
        this.#onAuth(packet);
        return;
      default:
        break;
    }
    // adbd ignores stream packets until the transport is online.
    if (!this.#online) return;
    switch (packet.command) {
      case AdbCommand.Open:
        this.#onOpen(packet);
        return;
      case AdbCommand.Okay:
        this.#sockets.get(packet.arg1)?.onHostOkay();
        return;
      case AdbCommand.Write:
        this.#sockets.get(packet.arg1)?.onHostWrite(packet.payload);
        return;
      case AdbCommand.Close:
        this.#sockets.get(packet.arg1)?.onHostClose();
        return;
      default:
        // SYNC and unknown commands: adbd logs and ignores them.
        return;
    }
  }

  #onConnect(packet: AdbPacket): void {
    this.#version = Math.min(packet.arg0, this.#options.protocolVersion);
    this.#maxPayload = Math.min(packet.arg1, this.#options.maxPayloadBytes);
    if (this.#options.auth === 'none') {
      this.#sendConnect();
    } else {
      this.#sendAuthToken();
    }
  }

  #onAuth(packet: AdbPacket): void {
    if (this.#options.auth === 'none' || this.#online) return;
    if (packet.arg0 === AdbAuthType.Signature) {
      // The simulator keeps no key store, so no signature is ever known: ask again, as adbd does
      // for an unknown key; the host then offers its public key (the RSA prompt).
      this.#sendAuthToken();
    } else if (packet.arg0 === AdbAuthType.RsaPublicKey && this.#options.auth === 'accept') {
      this.#sendConnect();
    }
    // 'reject': the prompt stays on screen; the host shows the device as unauthorized.
  }

  #sendConnect(): void {
    this.#online = true;
    const banner = new TextEncoder().encode(this.#options.banner);
    this.#send({ command: AdbCommand.Connect, arg0: this.#version, arg1: this.#maxPayload, payload: banner }, true);
  }

  #sendAuthToken(): void {
    this.#send({ command: AdbCommand.Auth, arg0: AdbAuthType.Token, arg1: 0, payload: new Uint8Array(randomBytes(AUTH_TOKEN_BYTES)) }, true);
  }

  #onOpen(packet: AdbPacket): void {
    const remoteId = packet.arg0;
    let service = new TextDecoder().decode(packet.payload);
    if (service.endsWith('\0')) service = service.slice(0, -1);
    const handler = remoteId === 0 ? null : this.#options.openService(service);
    if (handler === null) {
      this.#send({ command: AdbCommand.Close, arg0: 0, arg1: remoteId, payload: new Uint8Array(0) });
      return;
    }
    const localId = this.#nextLocalId;
    this.#nextLocalId += 1;
    const socket = new AdbDaemonSocket({ localId, remoteId, service, link: this.#link });
    this.#sockets.set(localId, socket);
    this.#send({ command: AdbCommand.Okay, arg0: localId, arg1: remoteId, payload: new Uint8Array(0) });
    handler(socket)
      .catch((error: unknown) => {
        if (!socket.signal.aborted) this.#options.onError?.(error);
      })
      .finally(() => {
        void socket.close();
      });
  }

  readonly #link: DaemonSocketLink = {
    sendWrite: (localId, remoteId, chunk) => this.#send({ command: AdbCommand.Write, arg0: localId, arg1: remoteId, payload: chunk }),
    sendOkay: (localId, remoteId) => this.#send({ command: AdbCommand.Okay, arg0: localId, arg1: remoteId, payload: new Uint8Array(0) }),
    sendClose: (localId, remoteId) => this.#send({ command: AdbCommand.Close, arg0: localId, arg1: remoteId, payload: new Uint8Array(0) }),
    maxPayloadBytes: () => this.#maxPayload,
    forget: (localId) => {
      this.#sockets.delete(localId);
    },
  };

  #send(packet: AdbPacket, handshake = false): void {
    if (this.#closed) return;
    // Handshake packets always carry a checksum so that old hosts accept them; afterwards only
    // versions before SKIP_CHECKSUM do.
    const withChecksum = handshake || this.#version < ADB_VERSION_SKIP_CHECKSUM;
    this.#options.send(encodeAdbPacket(packet, { withChecksum }));
  }
}
