/**
 * safetensors files with timm's key names: a streaming reader (one byte range per tensor, never the
 * whole file) and a streaming writer. Every tensor comes out as float32.
 */
import { open } from 'node:fs/promises';

import { StudioError } from '../../shared/errors';
import { elementCount, formatShape, sameShape } from '../../tensor/host-tensor';

import { bfloat16ToFloat32, float16ToFloat32, toFloat32 } from './float-convert';
import { MAX_HEADER_BYTES, parseSafetensorsHeader } from './safetensors-format';

import type { FileHandle } from 'node:fs/promises';
import type { HostTensor } from '../../tensor/host-tensor';
import type { SafetensorsDtype, SafetensorsEntry, SafetensorsHeader } from './safetensors-format';

function notFound(file: string, cause: unknown): StudioError {
  return new StudioError('input/not-found', `Cannot open weights file ${file}.`, {
    cause,
    details: { file },
    hint: 'Check the --weights path.',
  });
}

async function readExactly(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < target.byteLength) {
    const { bytesRead } = await handle.read(target, filled, target.byteLength - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Typed-array views assume a little-endian host, as every platform the studio runs on is. */
function decode(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  const { buffer, byteOffset, byteLength } = bytes;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, byteOffset, byteLength / 4);
    case 'F16':
      return float16ToFloat32(new Uint16Array(buffer, byteOffset, byteLength / 2));
    case 'BF16':
      return bfloat16ToFloat32(new Uint16Array(buffer, byteOffset, byteLength / 2));
    case 'F64':
      return toFloat32(new Float64Array(buffer, byteOffset, byteLength / 8));
    case 'I64':
      return toFloat32(new BigInt64Array(buffer, byteOffset, byteLength / 8));
    case 'I32':
      return toFloat32(new Int32Array(buffer, byteOffset, byteLength / 4));
    case 'I16':
      return toFloat32(new Int16Array(buffer, byteOffset, byteLength / 2));
    case 'I8':
      return toFloat32(new Int8Array(buffer, byteOffset, byteLength));
    case 'U8':
    case 'BOOL':
      return toFloat32(bytes);
  }
}

export interface ReadTensorOptions {
  /** When given, a tensor of another shape is an error that names the key. */
  shape?: readonly number[];
}

/** An open safetensors file. Read tensors one at a time; close it when done. */
export class SafetensorsReader {
  readonly file: string;
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  private readonly handle: FileHandle;
  private readonly dataStart: number;

  private constructor(file: string, handle: FileHandle, header: SafetensorsHeader) {
    this.file = file;
    this.handle = handle;
    this.entries = header.entries;
    this.metadata = header.metadata;
    this.dataStart = header.dataStart;
  }

  static async open(file: string): Promise<SafetensorsReader> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      throw notFound(file, error);
    }
    try {
      const { size } = await handle.stat();
      const prefix = new Uint8Array(8);
      if ((await readExactly(handle, prefix, 0)) < 8) {
        throw new StudioError('data/corrupt', `${file}: the file is truncated: it has ${size} bytes, fewer than the 8-byte header length.`, {
          details: { file, fileSizeBytes: size },
          hint: 'The file was cut short or is not a safetensors file.',
        });
      }
      const headerBytes = Number(new DataView(prefix.buffer).getBigUint64(0, true));
      if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > size) {
        throw new StudioError('data/corrupt', `${file}: the header claims ${headerBytes} bytes but the file has ${size}; it is truncated or not a safetensors file.`, {
          details: { file, fileSizeBytes: size },
          hint: 'Copy the file again, or check that it is a .safetensors file.',
        });
      }
      const header = new Uint8Array(headerBytes);
      await readExactly(handle, header, 8);
      return new SafetensorsReader(file, handle, parseSafetensorsHeader(file, header, size));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Reads one tensor's byte range and widens it to float32. */
  async read(key: string, options: ReadTensorOptions = {}): Promise<HostTensor> {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      throw new StudioError('model/weights-mismatch', `${this.file} has no tensor '${key}'.`, {
        details: { file: this.file, key },
        hint: 'The weights do not belong to this model configuration (timm key names are expected).',
      });
    }
    if (options.shape !== undefined && !sameShape(entry.shape, options.shape)) {
      throw new StudioError('model/weights-mismatch', `${this.file}: tensor '${key}' has shape ${formatShape(entry.shape)}, the model expects ${formatShape(options.shape)}.`, {
        details: { file: this.file, key, shape: entry.shape, expected: [...options.shape] },
        hint: 'The weights were saved for another model configuration.',
      });
    }
    const bytes = new Uint8Array(entry.end - entry.begin);
    const got = await readExactly(this.handle, bytes, this.dataStart + entry.begin);
    if (got < bytes.byteLength) {
      throw new StudioError('data/corrupt', `${this.file}: the file is truncated inside tensor '${key}'.`, {
        details: { file: this.file, key },
        hint: 'The file changed or was cut short while reading; copy it again.',
      });
    }
    return { shape: [...entry.shape], data: decode(entry.dtype, bytes) };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Reads every tensor (fine for the model sizes here; use SafetensorsReader to pick keys). */
export async function readSafetensors(file: string): Promise<Map<string, HostTensor>> {
  const reader = await SafetensorsReader.open(file);
  try {
    const tensors = new Map<string, HostTensor>();
    for (const key of reader.keys) tensors.set(key, await reader.read(key));
    return tensors;
  } finally {
    await reader.close();
  }
}

export interface WriteSafetensorsOptions {
  metadata?: Record<string, string>;
}

function checkTensorForWrite(key: string, tensor: HostTensor): void {
  if (key === '' || key === '__metadata__') {
    throw new StudioError('input/invalid', `'${key}' cannot be a tensor key in a safetensors file.`);
  }
  if (elementCount(tensor.shape) !== tensor.data.length) {
    throw new StudioError('internal/bug', `Tensor '${key}' has shape ${formatShape(tensor.shape)} but ${tensor.data.length} values.`);
  }
}

/** Writes float32 tensors in the given key order, one tensor at a time (no whole-file buffer). */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, HostTensor>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) header.__metadata__ = options.metadata;
  let offset = 0;
  for (const [key, tensor] of tensors) {
    checkTensorForWrite(key, tensor);
    const end = offset + tensor.data.length * 4;
    header[key] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  let handle: FileHandle;
  try {
    handle = await open(file, 'w');
  } catch (error) {
    throw new StudioError('input/invalid', `Cannot write ${file}.`, { cause: error, hint: 'Check that the folder exists and is writable.' });
  }
  try {
    await handle.write(head);
    for (const tensor of tensors.values()) {
      const { buffer, byteOffset, byteLength } = tensor.data;
      await handle.write(new Uint8Array(buffer, byteOffset, byteLength));
    }
  } finally {
    await handle.close();
  }
}
