/**
 * The adb transport's framing (between an adb server and adbd): a 24-byte little-endian header
 * (command, arg0, arg1, data length, data checksum, magic = command ^ 0xffffffff) and a payload.
 * Pure: no node:* so a browser-side daemon client could reuse it.
 */
import { StudioError } from '../../../core/shared/errors';

function commandCode(name: string): number {
  return (name.charCodeAt(0) | (name.charCodeAt(1) << 8) | (name.charCodeAt(2) << 16) | (name.charCodeAt(3) << 24)) >>> 0;
}

export const AdbCommand = {
  Sync: commandCode('SYNC'),
  Connect: commandCode('CNXN'),
  Auth: commandCode('AUTH'),
  Open: commandCode('OPEN'),
  Okay: commandCode('OKAY'),
  Close: commandCode('CLSE'),
  Write: commandCode('WRTE'),
  StartTls: commandCode('STLS'),
} as const;
export type AdbCommand = (typeof AdbCommand)[keyof typeof AdbCommand];

/** Android < 9: checksums are sent and checked; at most 4 KiB per packet before negotiation. */
export const ADB_VERSION_MIN = 0x01000000;
/** Android >= 9: peers skip the checksum (send 0, never verify) once both agree on this version. */
export const ADB_VERSION_SKIP_CHECKSUM = 0x01000001;
export const ADB_MAX_PAYLOAD_LEGACY = 4 * 1024;
export const ADB_MAX_PAYLOAD = 1024 * 1024;

/** arg0 of AUTH packets. */
export const AdbAuthType = { Token: 1, Signature: 2, RsaPublicKey: 3 } as const;

export const ADB_HEADER_BYTES = 24;

export interface AdbPacket {
  command: number;
  arg0: number;
  arg1: number;
  payload: Uint8Array;
}

export function adbCommandName(command: number): string {
  return String.fromCharCode(command & 0xff, (command >>> 8) & 0xff, (command >>> 16) & 0xff, (command >>> 24) & 0xff);
}

/** The sum of the payload's bytes, as adb computes it for protocol versions before SKIP_CHECKSUM. */
export function adbChecksum(payload: Uint8Array): number {
  let sum = 0;
  for (const byte of payload) sum += byte;
  return sum >>> 0;
}

export function encodeAdbPacket(packet: AdbPacket, options: { withChecksum: boolean }): Uint8Array {
  const bytes = new Uint8Array(ADB_HEADER_BYTES + packet.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, packet.command, true);
  view.setUint32(4, packet.arg0 >>> 0, true);
  view.setUint32(8, packet.arg1 >>> 0, true);
  view.setUint32(12, packet.payload.length, true);
  view.setUint32(16, options.withChecksum ? adbChecksum(packet.payload) : 0, true);
  view.setUint32(20, (packet.command ^ 0xffffffff) >>> 0, true);
  bytes.set(packet.payload, ADB_HEADER_BYTES);
  return bytes;
}

export interface AdbPacketReaderOptions {
  /** Largest payload accepted; adbd drops the connection on a larger one. */
  maxPayloadBytes: () => number;
  /** Verify data checksums (only while the negotiated version is below SKIP_CHECKSUM). */
  verifyChecksum: () => boolean;
}

/** Turns a byte stream (arbitrary chunking) into packets. Throws protocol/bad-frame on garbage. */
export class AdbPacketReader {
  readonly #options: AdbPacketReaderOptions;
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  constructor(options: AdbPacketReaderOptions) {
    this.#options = options;
  }

  push(chunk: Uint8Array): AdbPacket[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const packets: AdbPacket[] = [];
    for (;;) {
      if (this.#buffered < ADB_HEADER_BYTES) break;
      const header = new DataView(this.#peek(ADB_HEADER_BYTES).buffer);
      const command = header.getUint32(0, true);
      const length = header.getUint32(12, true);
      const magic = header.getUint32(20, true);
      if (magic !== (command ^ 0xffffffff) >>> 0) {
        throw new StudioError('protocol/bad-frame', `adb packet with a bad magic (command 0x${command.toString(16)}).`);
      }
      if (length > this.#options.maxPayloadBytes()) {
        throw new StudioError('protocol/bad-frame', `adb ${adbCommandName(command)} packet of ${length} bytes exceeds the negotiated maximum.`);
      }
      if (this.#buffered < ADB_HEADER_BYTES + length) break;
      const frame = this.#take(ADB_HEADER_BYTES + length);
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const payload = frame.slice(ADB_HEADER_BYTES);
      if (this.#options.verifyChecksum() && view.getUint32(16, true) !== adbChecksum(payload)) {
        throw new StudioError('protocol/bad-frame', `adb ${adbCommandName(command)} packet with a bad checksum.`);
      }
      packets.push({ command, arg0: view.getUint32(4, true), arg1: view.getUint32(8, true), payload });
    }
    return packets;
  }

  #peek(length: number): Uint8Array {
    const joined = this.#join();
    return joined.slice(0, length);
  }

  #take(length: number): Uint8Array {
    const joined = this.#join();
    const rest = joined.subarray(length);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return joined.subarray(0, length);
  }

  #join(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    const joined = new Uint8Array(this.#buffered);
    let offset = 0;
    for (const chunk of this.#chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    this.#chunks = [joined];
    return joined;
  }
}

/** `device::ro.product.name=x;ro.product.model=y;ro.product.device=z;features=a,b` */
export function formatDeviceBanner(properties: { name: string; model: string; device: string; features: readonly string[] }): string {
  return `device::ro.product.name=${properties.name};ro.product.model=${properties.model};ro.product.device=${properties.device};features=${properties.features.join(',')}`;
}
