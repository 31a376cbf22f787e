/** Writing and reading the fixed-point package's bytes (layout in package-format.ts). */
import { StudioError } from '../../shared/errors';

import { PACKAGE_MAGIC, PackageHeaderSchema } from './package-format';

import type { FixedPointPackage, PackageDtype, PackageHeader, PackageTensor, TensorEntry } from './package-format';

const ALIGN = 16;
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const BYTES: Record<PackageDtype, number> = { int8: 1, int16: 2, int32: 4 };

export interface NamedTensor {
  dtype: PackageDtype;
  shape: number[];
  data: PackageTensor;
}

const align = (value: number): number => Math.ceil(value / ALIGN) * ALIGN;

function dtypeOf(data: PackageTensor): PackageDtype {
  return data instanceof Int8Array ? 'int8' : data instanceof Int16Array ? 'int16' : 'int32';
}

function corrupt(message: string, cause?: unknown): StudioError {
  return new StudioError('data/corrupt', `Not a valid fixed-point package: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'Export the package again (spvit export --format board).',
  });
}

/** Lays out the tensors, fills in `header.tensors` and returns the package bytes. */
export function encodePackage(header: Omit<PackageHeader, 'tensors'>, tensors: ReadonlyMap<string, NamedTensor>): Uint8Array {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const count = tensor.shape.reduce((product, size) => product * size, 1);
    if (count !== tensor.data.length || dtypeOf(tensor.data) !== tensor.dtype) {
      throw new StudioError('internal/bug', `Tensor '${name}' does not match its shape [${tensor.shape.join(', ')}] or dtype ${tensor.dtype}.`);
    }
    const byteLength = count * BYTES[tensor.dtype];
    entries.push({ name, dtype: tensor.dtype, shape: [...tensor.shape], offset, byteLength });
    offset = align(offset + byteLength);
  }
  const full: PackageHeader = { ...header, tensors: entries };
  PackageHeaderSchema.parse(full);
  const magic = new TextEncoder().encode(PACKAGE_MAGIC);
  const json = new TextEncoder().encode(JSON.stringify(full));
  const blobStart = align(magic.length + 4 + json.length);
  const bytes = new Uint8Array(blobStart + offset);
  bytes.set(magic, 0);
  new DataView(bytes.buffer).setUint32(magic.length, json.length, true);
  bytes.set(json, magic.length + 4);
  entries.forEach((entry) => {
    const data = (tensors.get(entry.name) as NamedTensor).data;
    bytes.set(littleEndianBytes(data), blobStart + entry.offset);
  });
  return bytes;
}

function littleEndianBytes(data: PackageTensor): Uint8Array {
  if (data instanceof Int8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Int16Array) data.forEach((value, i) => view.setInt16(i * 2, value, true));
  else data.forEach((value, i) => view.setInt32(i * 4, value, true));
  return out;
}

export function isFixedPointPackage(bytes: Uint8Array): boolean {
  const magic = new TextEncoder().encode(PACKAGE_MAGIC);
  return bytes.length >= magic.length + 4 && magic.every((byte, i) => bytes[i] === byte);
}

/** Reads and validates the header only (cheap: no tensor is copied). */
export function readPackageHeader(bytes: Uint8Array): { header: PackageHeader; blobStart: number } {
  if (!isFixedPointPackage(bytes)) throw corrupt(`it does not start with '${PACKAGE_MAGIC.trim()}'.`);
  const magicLength = PACKAGE_MAGIC.length;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(magicLength, true);
  if (headerLength > MAX_HEADER_BYTES || magicLength + 4 + headerLength > bytes.length) throw corrupt(`its header length ${headerLength} does not fit the ${bytes.length} bytes.`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(magicLength + 4, magicLength + 4 + headerLength)));
  } catch (error) {
    throw corrupt('its header is not UTF-8 JSON.', error);
  }
  const parsed = PackageHeaderSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(`header field '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}.`);
  }
  return { header: parsed.data, blobStart: align(magicLength + 4 + headerLength) };
}

export function decodePackage(bytes: Uint8Array): FixedPointPackage {
  const { header, blobStart } = readPackageHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = new Map<string, PackageTensor>();
  for (const entry of header.tensors) {
    const count = entry.shape.reduce((product, size) => product * size, 1);
    const start = blobStart + entry.offset;
    if (entry.byteLength !== count * BYTES[entry.dtype] || start + entry.byteLength > bytes.length || tensors.has(entry.name)) {
      throw corrupt(`tensor '${entry.name}' is out of bounds, mis-sized or repeated.`);
    }
    tensors.set(entry.name, readTensor(view, start, entry.dtype, count));
  }
  return { header, tensors };
}

function readTensor(view: DataView, start: number, dtype: PackageDtype, count: number): PackageTensor {
  switch (dtype) {
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + start, view.byteOffset + start + count));
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(start + 2 * i, true));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(start + 4 * i, true));
  }
}
