/**
 * The safetensors container: an 8-byte little-endian header length, a JSON header
 * `{ key: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } }`,
 * then the raw little-endian tensor bytes (offsets are relative to the end of the header).
 */
import { StudioError } from '../../shared/errors';
import { elementCount, formatShape } from '../../tensor/host-tensor';

export const SAFETENSORS_DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

export interface SafetensorsEntry {
  key: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range inside the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

/** Headers larger than this are refused as corrupt (the reference implementation caps at 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

function corrupt(file: string, message: string, key?: string): StudioError {
  return new StudioError('data/corrupt', `${file}: ${message}`, {
    details: key === undefined ? { file } : { file, key },
    hint: 'The file is not a valid safetensors file; re-export or re-download it.',
  });
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, value);
}

function parseEntry(file: string, key: string, raw: unknown): SafetensorsEntry {
  if (typeof raw !== 'object' || raw === null) throw corrupt(file, `tensor '${key}' has no description`, key);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDtype(dtype)) {
    throw new StudioError('model/unsupported', `${file}: tensor '${key}' has dtype '${String(dtype)}', which the studio cannot read.`, {
      details: { file, key, dtype: String(dtype) },
      hint: `Supported dtypes: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}. Convert the checkpoint to float32 first.`,
    });
  }
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0)) {
    throw corrupt(file, `tensor '${key}' has an invalid shape`, key);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
    throw corrupt(file, `tensor '${key}' has invalid data_offsets`, key);
  }
  const [begin, end] = offsets as [number, number];
  const expectedBytes = elementCount(shape as number[]) * SAFETENSORS_DTYPE_BYTES[dtype];
  if (end < begin || end - begin !== expectedBytes) {
    throw corrupt(file, `tensor '${key}' (${dtype} ${formatShape(shape as number[])}) should span ${expectedBytes} bytes, its offsets give ${end - begin}`, key);
  }
  return { key, dtype, shape: shape as number[], begin, end };
}

/** Parses the JSON header; `fileSizeBytes` lets it report a truncated file by the tensor that is cut. */
export function parseSafetensorsHeader(file: string, headerJson: Uint8Array, fileSizeBytes: number): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerJson));
  } catch (error) {
    throw new StudioError('data/corrupt', `${file}: the safetensors header is not valid JSON.`, {
      cause: error,
      details: { file },
      hint: 'The file is not a valid safetensors file; re-export or re-download it.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw corrupt(file, 'the header is not a JSON object');
  const dataStart = 8 + headerJson.byteLength;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, raw] of Object.entries(parsed)) {
    if (key === '__metadata__') {
      metadata = parseMetadata(file, raw);
      continue;
    }
    const entry = parseEntry(file, key, raw);
    if (dataStart + entry.end > fileSizeBytes) {
      throw new StudioError('data/corrupt', `${file}: the file is truncated: tensor '${key}' ends at byte ${dataStart + entry.end} but the file has ${fileSizeBytes} bytes.`, {
        details: { file, key, fileSizeBytes },
        hint: 'The file was cut short (an interrupted copy or download); copy it again.',
      });
    }
    entries.set(key, entry);
  }
  return { entries, metadata, dataStart };
}

function parseMetadata(file: string, raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null) throw corrupt(file, '__metadata__ is not an object');
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw corrupt(file, `__metadata__.${name} is not a string`);
    metadata[name] = value;
  }
  return metadata;
}
