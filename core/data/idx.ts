/**
 * IDX files (MNIST, Fashion-MNIST): magic 0x00 0x00 <type> <ndims>, ndims big-endian uint32 sizes,
 * then the elements. Only unsigned bytes (type 0x08) occur in these datasets.
 */
import { readFile } from 'node:fs/promises';

import { corruptData, dataNotFound } from './errors';
import { maybeGunzip } from './gzip';

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses raw (not gzipped) IDX bytes; `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw corruptData(file, `only ${bytes.length} bytes; an IDX file starts with a 4-byte magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw corruptData(file, `wrong magic number ${magic}: an IDX file starts with 00 00 <type> <ndims>`);
  }
  const type = bytes[2] ?? 0;
  const ndims = bytes[3] ?? 0;
  if (type !== UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type] ?? `unknown type 0x${type.toString(16)}`;
    throw corruptData(file, `element type ${name}; only unsigned byte (0x08) images and labels are supported`);
  }
  if (ndims < 1 || ndims > 4) {
    throw corruptData(file, `${ndims} dimensions in the header; expected 1 (labels) or 3 (images)`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw corruptData(file, `truncated header: ${bytes.length} bytes, the ${ndims} sizes need ${headerBytes}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i += 1) {
    dims.push(view.getUint32(4 + 4 * i, false));
  }
  const elements = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  if (found < elements) {
    throw corruptData(
      file,
      `truncated: the header announces ${dims.join('x')} = ${elements} bytes of data, found ${found}`,
    );
  }
  if (found > elements) {
    throw corruptData(file, `${found - elements} bytes after the ${dims.join('x')} data announced by the header`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** IDX bytes for unsigned-byte data of the given shape. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const elements = dims.reduce((a, b) => a * b, 1);
  if (elements !== data.length) {
    throw new RangeError(`encodeIdx: dims ${dims.join('x')} hold ${elements} bytes, data has ${data.length}`);
  }
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UNSIGNED_BYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** Reads a file as bytes, mapping a missing file to 'input/not-found'. */
export async function readBytes(path: string, what: string, hint: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw dataNotFound(path, what, hint);
    }
    throw error;
  }
}

/** Reads an IDX file, gzipped or raw. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const bytes = await readBytes(path, 'IDX file', 'Check the dataset path; the files are *-idx3-ubyte(.gz) and *-idx1-ubyte(.gz).');
  return parseIdx(maybeGunzip(bytes, path), path);
}
