import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeNpy, encodeNpy, npyToFloat32, readNpy, writeNpy } from './npy';

import type { NpyArray } from './npy';

// core/ may not import test/, so the shared fixtures are found relative to this file.
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spvit-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A v1 .npy file built by hand from a header dict and raw data bytes. */
function handMade(dict: string, data: Uint8Array): Uint8Array {
  const headerLength = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const out = new Uint8Array(10 + headerLength + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, headerLength, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + headerLength);
  return out;
}

describe('npy', () => {
  it('round-trips every supported dtype', async () => {
    const arrays: NpyArray[] = [
      { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) },
      { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -1]) },
      { dtype: 'int8', shape: [3], data: Int8Array.from([-128, 0, 127]) },
      { dtype: 'int16', shape: [1], data: Int16Array.from([-300]) },
      { dtype: 'int32', shape: [2, 1], data: Int32Array.from([-5, 70000]) },
      { dtype: 'int64', shape: [2], data: BigInt64Array.from([-1n, 1n << 40n]) },
      { dtype: 'uint8', shape: [2], data: Uint8Array.from([0, 255]) },
      { dtype: 'uint16', shape: [1], data: Uint16Array.from([65535]) },
      { dtype: 'uint32', shape: [1], data: Uint32Array.from([4e9]) },
      { dtype: 'uint64', shape: [1], data: BigUint64Array.from([1n << 63n]) },
      { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) },
      { dtype: 'float32', shape: [], data: Float32Array.from([42]) },
    ];
    for (const [i, array] of arrays.entries()) {
      const file = join(dir, `a${i}.npy`);
      await writeNpy(file, array);
      const back = await readNpy(file);
      expect(back.dtype).toBe(array.dtype);
      expect(back.shape).toEqual(array.shape);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(array.data as ArrayLike<number | bigint>));
    }
  });

  it('writes a header that numpy accepts (64-byte aligned, newline-terminated dict)', () => {
    const bytes = encodeNpy({ dtype: 'float32', shape: [2], data: new Float32Array(2) });
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2,\), \} *\n$/);
  });

  it('reads the float32 NCHW input of a timm fixture', async () => {
    const input = await readNpy(join(FIXTURES, 'timm', 'vit-tiny-custom', 'input.npy'));
    expect(input.dtype).toBe('float32');
    expect(input.shape).toEqual([2, 3, 32, 32]);
    expect(npyToFloat32(input).length).toBe(2 * 3 * 32 * 32);
  });

  it('reads big-endian data', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(0, 1.5, false);
    new DataView(data.buffer).setFloat32(4, -2, false);
    const array = decodeNpy(handMade("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data));
    expect(Array.from(array.data as Float32Array)).toEqual([1.5, -2]);
  });

  it('rejects Fortran order, unsupported dtypes, truncation and bad magic with clear errors', async () => {
    const fortran = handMade("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(16));
    expect(() => decodeNpy(fortran, 'f.npy')).toThrow(/Fortran order/);
    const complex = handMade("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8));
    expect(() => decodeNpy(complex, 'c.npy')).toThrow(expect.objectContaining({ code: 'model/unsupported', message: expect.stringContaining("'<c8'") }));
    const short = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(12));
    expect(() => decodeNpy(short, 's.npy')).toThrow(expect.objectContaining({ code: 'data/corrupt', message: expect.stringMatching(/truncated.*\[4\] needs 16/) }));
    expect(() => decodeNpy(new Uint8Array(20), 'm.npy')).toThrow(/bad magic/);
    const file = join(dir, 'broken.npy');
    await writeFile(file, short);
    await expect(readNpy(file)).rejects.toMatchObject({ code: 'data/corrupt' });
    await expect(readNpy(join(dir, 'missing.npy'))).rejects.toMatchObject({ code: 'input/not-found' });
  });
});
