/**
 * Frames of the board agent protocol over TCP:
 *
 *   0  "SPVA" magic          4 bytes
 *   4  version (1)           u8
 *   5  reserved (0)          3 bytes
 *   8  header length         u32 big-endian, 2..MAX_HEADER_BYTES
 *  12  payload length        u32 big-endian, 0..limits.maxPayloadBytes
 *  16  header                UTF-8 JSON object
 *  ..  payload               raw bytes (tensors, package chunks, latency samples)
 *
 * A stream cannot be resynchronised after a bad frame, so the decoder refuses everything after one.
 */
import { FrameError } from './frame-error';

export const FRAME_MAGIC = new Uint8Array([0x53, 0x50, 0x56, 0x41]);
export const FRAME_VERSION = 1;
export const FRAME_PREFIX_BYTES = 16;
export const MAX_HEADER_BYTES = 64 * 1024;
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface Frame {
  header: Record<string, unknown>;
  payload: Uint8Array;
}

export interface FrameLimits {
  maxPayloadBytes: number;
}

const EMPTY = new Uint8Array(0);

export function encodeFrame(header: Record<string, unknown>, payload: Uint8Array = EMPTY): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  if (headerBytes.length > MAX_HEADER_BYTES) {
    throw new FrameError(`A frame header of ${headerBytes.length} bytes is over the ${MAX_HEADER_BYTES}-byte limit.`);
  }
  const frame = new Uint8Array(FRAME_PREFIX_BYTES + headerBytes.length + payload.length);
  const view = new DataView(frame.buffer);
  frame.set(FRAME_MAGIC, 0);
  view.setUint8(4, FRAME_VERSION);
  view.setUint32(8, headerBytes.length);
  view.setUint32(12, payload.length);
  frame.set(headerBytes, FRAME_PREFIX_BYTES);
  frame.set(payload, FRAME_PREFIX_BYTES + headerBytes.length);
  return frame;
}

/** A framing error, with the whole frames that arrived before it (they are still good). */
export class FrameDecodeError extends FrameError {
  constructor(
    error: FrameError,
    readonly framesBefore: readonly Frame[],
  ) {
    super(error.message, { cause: error.cause });
  }
}

/** Incremental decoder: push chunks as they arrive, get whole frames back. */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private failed: FrameError | null = null;
  private expected: { headerBytes: number; payloadBytes: number } | null = null;

  constructor(private readonly limits: FrameLimits = { maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES }) {}

  /** Bytes of a frame received but not complete yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed !== null) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (let frame = this.next(); frame !== null; frame = this.next()) frames.push(frame);
    } catch (error) {
      this.failed = error instanceof FrameError ? error : new FrameError(String(error));
      this.chunks = [];
      this.buffered = 0;
      throw new FrameDecodeError(this.failed, frames);
    }
    return frames;
  }

  private next(): Frame | null {
    if (this.expected === null) {
      if (this.buffered < FRAME_PREFIX_BYTES) return null;
      this.expected = this.readPrefix(this.take(FRAME_PREFIX_BYTES));
    }
    const { headerBytes, payloadBytes } = this.expected;
    if (this.buffered < headerBytes + payloadBytes) return null;
    const header = parseHeader(this.take(headerBytes));
    const payload = this.take(payloadBytes);
    this.expected = null;
    return { header, payload };
  }

  private readPrefix(prefix: Uint8Array): { headerBytes: number; payloadBytes: number } {
    for (let index = 0; index < FRAME_MAGIC.length; index += 1) {
      if (prefix[index] !== FRAME_MAGIC[index]) {
        throw new FrameError('The stream does not start with a frame (bad magic bytes): the two sides are out of step.');
      }
    }
    const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
    const version = view.getUint8(4);
    if (version !== FRAME_VERSION) {
      throw new FrameError(`Frame version ${version} is not supported (this side speaks ${FRAME_VERSION}).`);
    }
    const headerBytes = view.getUint32(8);
    const payloadBytes = view.getUint32(12);
    if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES) {
      throw new FrameError(`A frame header of ${headerBytes} bytes is outside 2..${MAX_HEADER_BYTES}.`);
    }
    if (payloadBytes > this.limits.maxPayloadBytes) {
      throw new FrameError(`A frame payload of ${payloadBytes} bytes is over the ${this.limits.maxPayloadBytes}-byte limit.`);
    }
    return { headerBytes, payloadBytes };
  }

  /** Removes and returns the first `count` buffered bytes (count <= buffered). */
  private take(count: number): Uint8Array {
    if (count === 0) return EMPTY;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) {
      const head = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return head;
    }
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const used = Math.min(chunk.length, count - filled);
      out.set(chunk.subarray(0, used), filled);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    this.buffered -= count;
    return out;
  }
}

function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new FrameError('A frame header is not valid UTF-8 JSON (wrong length field?).', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FrameError('A frame header must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
