/** Transparent gzip: files may be stored compressed (.gz) or raw; the magic bytes decide. */
import { gunzipSync } from 'node:zlib';

import { corruptData } from './errors';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The raw bytes: gunzipped when `bytes` is gzip data, else `bytes` itself. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw corruptData(file, `broken gzip stream (${reason}); the file is probably truncated`, error);
  }
}
