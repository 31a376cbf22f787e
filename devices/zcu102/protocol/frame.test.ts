import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../../core/shared/errors';
import { encodeFrame, FRAME_PREFIX_BYTES, FrameDecodeError, FrameDecoder, MAX_HEADER_BYTES } from './frame';

function prefix(headerBytes: number, payloadBytes: number): Uint8Array {
  const bytes = new Uint8Array(FRAME_PREFIX_BYTES);
  bytes.set([0x53, 0x50, 0x56, 0x41, 1]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, headerBytes);
  view.setUint32(12, payloadBytes);
  return bytes;
}

describe('frames', () => {
  it('round-trips a header and a binary payload', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, index) => index % 256);
    const [frame] = new FrameDecoder().push(encodeFrame({ kind: 'request', id: 7, verb: 'hello', params: { token: 'x' } }, payload));
    expect(frame?.header).toEqual({ kind: 'request', id: 7, verb: 'hello', params: { token: 'x' } });
    expect(Array.from(frame?.payload ?? [])).toEqual(Array.from(payload));
  });

  it('reassembles frames fed one byte at a time, and splits frames that arrive together', () => {
    const first = encodeFrame({ n: 1 }, Uint8Array.of(1, 2, 3));
    const second = encodeFrame({ n: 2 });
    const decoder = new FrameDecoder();
    const frames = [];
    for (const byte of first) frames.push(...decoder.push(Uint8Array.of(byte)));
    expect(frames).toHaveLength(1);
    expect(decoder.pendingBytes).toBe(0);
    const together = new Uint8Array(first.length + second.length);
    together.set(first);
    together.set(second, first.length);
    expect(new FrameDecoder().push(together).map((frame) => frame.header.n)).toEqual([1, 2]);
  });

  it('refuses an oversized payload from the length field alone, before buffering it', () => {
    const decoder = new FrameDecoder({ maxPayloadBytes: 1024 });
    const error = captureError(() => decoder.push(prefix(10, 1025)));
    expect(isStudioError(error, 'protocol/bad-frame')).toBe(true);
    expect(String(error)).toMatch(/over the 1024-byte limit/);
  });

  it('refuses a header length outside the bounds', () => {
    expect(isStudioError(captureError(() => new FrameDecoder().push(prefix(MAX_HEADER_BYTES + 1, 0))), 'protocol/bad-frame')).toBe(true);
    expect(isStudioError(captureError(() => new FrameDecoder().push(prefix(0, 0))), 'protocol/bad-frame')).toBe(true);
  });

  it('refuses a frame whose header length is wrong (the JSON is cut) and everything after it', () => {
    const good = encodeFrame({ kind: 'request', id: 1 });
    const view = new DataView(good.buffer);
    view.setUint32(8, view.getUint32(8) - 3);
    view.setUint32(12, 3);
    const decoder = new FrameDecoder();
    expect(String(captureError(() => decoder.push(good)))).toMatch(/not valid UTF-8 JSON/);
    expect(isStudioError(captureError(() => decoder.push(encodeFrame({ ok: 1 }))), 'protocol/bad-frame')).toBe(true);
  });

  it('refuses bytes that are not a frame, and a newer version', () => {
    expect(String(captureError(() => new FrameDecoder().push(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'))))).toMatch(/bad magic/);
    const newer = prefix(2, 0);
    newer[4] = 2;
    expect(String(captureError(() => new FrameDecoder().push(newer)))).toMatch(/version 2/);
  });

  it('refuses a header that is JSON but not an object', () => {
    const bytes = new TextEncoder().encode('[1]');
    const frame = new Uint8Array(FRAME_PREFIX_BYTES + bytes.length);
    frame.set(prefix(bytes.length, 0));
    frame.set(bytes, FRAME_PREFIX_BYTES);
    expect(String(captureError(() => new FrameDecoder().push(frame)))).toMatch(/must be a JSON object/);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('frames before a bad one', () => {
  it('are handed over with the error, so their requests can still be answered', () => {
    const good = encodeFrame({ n: 1 });
    const bad = new TextEncoder().encode('not a frame at all');
    const bytes = new Uint8Array(good.length + bad.length);
    bytes.set(good);
    bytes.set(bad, good.length);
    let caught: unknown;
    try {
      new FrameDecoder().push(bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FrameDecodeError);
    expect((caught as FrameDecodeError).framesBefore.map((frame) => frame.header.n)).toEqual([1]);
  });
});
