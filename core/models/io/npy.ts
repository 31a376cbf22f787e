/**
 * NumPy .npy files (format versions 1-3), C order, little- or big-endian on disk:
 * float32/float64, int8..int64, uint8..uint64 and bool. The command line passes tensors this way.
 */
import { readFile, writeFile } from 'node:fs/promises';

import { StudioError } from '../../shared/errors';
import { elementCount, formatShape } from '../../tensor/host-tensor';

export const NPY_DTYPES = {
  float32: { code: 'f4', bytes: 4 },
  float64: { code: 'f8', bytes: 8 },
  int8: { code: 'i1', bytes: 1 },
  int16: { code: 'i2', bytes: 2 },
  int32: { code: 'i4', bytes: 4 },
  int64: { code: 'i8', bytes: 8 },
  uint8: { code: 'u1', bytes: 1 },
  uint16: { code: 'u2', bytes: 2 },
  uint32: { code: 'u4', bytes: 4 },
  uint64: { code: 'u8', bytes: 8 },
  bool: { code: 'b1', bytes: 1 },
} as const;
export type NpyDtype = keyof typeof NPY_DTYPES;

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** bool arrays are Uint8Array of 0/1. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function bad(source: string, message: string): StudioError {
  return new StudioError('data/corrupt', `${source}: ${message}`, {
    details: { file: source },
    hint: 'Save the array with numpy.save (C order).',
  });
}

function dtypeFromDescr(source: string, descr: string): { dtype: NpyDtype; littleEndian: boolean } {
  const order = descr[0];
  const code = descr.slice(1);
  const dtype = (Object.keys(NPY_DTYPES) as NpyDtype[]).find((name) => NPY_DTYPES[name].code === code);
  if (dtype === undefined || (order !== '<' && order !== '>' && order !== '|' && order !== '=')) {
    throw new StudioError('model/unsupported', `${source}: the array dtype '${descr}' is not supported.`, {
      details: { file: source, descr },
      hint: `Convert it first, e.g. arr.astype(numpy.float32). Supported: ${Object.keys(NPY_DTYPES).join(', ')}.`,
    });
  }
  return { dtype, littleEndian: order !== '>' };
}

interface ParsedHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(source: string, text: string): ParsedHeader {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad(source, `the .npy header is malformed: ${text.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => Number(part.replace(/L$/, '')));
  if (!shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) throw bad(source, `invalid shape (${shapeText})`);
  return { descr, fortranOrder: fortran === 'True', shape };
}

function makeArray(dtype: NpyDtype, buffer: ArrayBuffer, count: number): NpyData {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, 0, count);
    case 'float64': return new Float64Array(buffer, 0, count);
    case 'int8': return new Int8Array(buffer, 0, count);
    case 'int16': return new Int16Array(buffer, 0, count);
    case 'int32': return new Int32Array(buffer, 0, count);
    case 'int64': return new BigInt64Array(buffer, 0, count);
    case 'uint8':
    case 'bool': return new Uint8Array(buffer, 0, count);
    case 'uint16': return new Uint16Array(buffer, 0, count);
    case 'uint32': return new Uint32Array(buffer, 0, count);
    case 'uint64': return new BigUint64Array(buffer, 0, count);
  }
}

/** Parses .npy bytes; `source` names the file in errors. */
export function decodeNpy(bytes: Uint8Array, source = 'array'): NpyArray {
  if (bytes.byteLength < 10 || MAGIC.some((value, i) => bytes[i] !== value)) throw bad(source, 'not a .npy file (bad magic bytes)');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (major < 1 || major > 3) throw bad(source, `unknown .npy format version ${major}`);
  if (bytes.byteLength < headerStart) throw bad(source, 'the file is truncated inside the header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.byteLength) throw bad(source, 'the file is truncated inside the header');
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1');
  const header = parseHeader(source, decoder.decode(bytes.subarray(headerStart, dataStart)));
  const { dtype, littleEndian } = dtypeFromDescr(source, header.descr);
  if (header.fortranOrder && header.shape.filter((dim) => dim > 1).length > 1) {
    throw new StudioError('model/unsupported', `${source}: the array is in Fortran order; only C order is supported.`, {
      details: { file: source },
      hint: 'Save numpy.ascontiguousarray(arr) instead.',
    });
  }
  const count = elementCount(header.shape);
  const width = NPY_DTYPES[dtype].bytes;
  const expectedBytes = count * width;
  if (bytes.byteLength - dataStart < expectedBytes) {
    throw bad(source, `the file is truncated: shape ${formatShape(header.shape)} needs ${expectedBytes} data bytes, the file has ${bytes.byteLength - dataStart}`);
  }
  // A fresh, aligned buffer (Buffer#slice would alias node's shared pool).
  const copy = new Uint8Array(expectedBytes);
  copy.set(bytes.subarray(dataStart, dataStart + expectedBytes));
  if (!littleEndian && width > 1) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  return { dtype, shape: header.shape, data: makeArray(dtype, copy.buffer, count) };
}

/** Encodes a C-order array as a version 1 .npy file (version 2 when the header needs it). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = elementCount(array.shape);
  if (count !== array.data.length) {
    throw new StudioError('internal/bug', `npy: shape ${formatShape(array.shape)} does not match ${array.data.length} values.`);
  }
  const { code, bytes: width } = NPY_DTYPES[array.dtype];
  const order = width === 1 ? '|' : '<';
  const shapeText = array.shape.length === 1 ? `${array.shape[0]},` : array.shape.join(', ');
  let dict = `{'descr': '${order}${code}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const version = dict.length + 11 > 65535 ? 2 : 1;
  const prefixBytes = version === 1 ? 10 : 12;
  const total = Math.ceil((prefixBytes + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - prefixBytes - 1, ' ') + '\n';
  const out = new Uint8Array(total + count * width);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), prefixBytes);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, count * width), total);
  return out;
}

export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new StudioError('input/not-found', `Cannot read ${file}.`, { cause: error, details: { file }, hint: 'Check the path.' });
  }
  return decodeNpy(bytes, file);
}

export async function writeNpy(file: string, array: NpyArray): Promise<void> {
  try {
    await writeFile(file, encodeNpy(array));
  } catch (error) {
    throw new StudioError('input/invalid', `Cannot write ${file}.`, { cause: error, details: { file }, hint: 'Check that the folder exists and is writable.' });
  }
}

/** The array as float32 (a view when it already is float32). */
export function npyToFloat32(array: NpyArray): Float32Array {
  if (array.data instanceof Float32Array) return array.data;
  const out = new Float32Array(array.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(array.data[i]);
  return out;
}
