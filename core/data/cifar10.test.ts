import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, parseCifar10Batch, readCifar10 } from './cifar10';
import { resolveDatasetSource } from './resolve';

/** n records; record r has label r % 10 and red = r, green = 100 + r, blue = 200 - r everywhere. */
function batchBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n * 3073);
  for (let r = 0; r < n; r += 1) {
    bytes[r * 3073] = r % 10;
    bytes.fill(r, r * 3073 + 1, r * 3073 + 1025);
    bytes.fill(100 + r, r * 3073 + 1025, r * 3073 + 2049);
    bytes.fill(200 - r, r * 3073 + 2049, r * 3073 + 3073);
  }
  return bytes;
}

describe('CIFAR-10 binary reader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spvit-cifar-'));
    for (const file of [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES]) await writeFile(join(dir, file), batchBytes(3));
    await writeFile(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('converts planar records to HWC pixels with labels', () => {
    const { pixels, labels } = parseCifar10Batch(batchBytes(2), 'mem');
    expect(Array.from(labels)).toEqual([0, 1]);
    expect(Array.from(pixels.subarray(0, 6))).toEqual([0, 100, 200, 0, 100, 200]);
    expect(Array.from(pixels.subarray(3072, 3075))).toEqual([1, 101, 199]);
  });

  it('reads a folder of batches with the class names of batches.meta.txt', async () => {
    const source = await resolveDatasetSource({ kind: 'cifar10', path: dir });
    expect(source.format).toBe('cifar10');
    const train = await readCifar10(dir, CIFAR10_TRAIN_FILES, 'train');
    expect(train.count).toBe(15);
    expect(train.shape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(train.classNames[9]).toBe('j');
  });

  it('rejects a truncated batch and a bad label', async () => {
    expect(() => parseCifar10Batch(batchBytes(2).subarray(0, 5000), 'data_batch_1.bin')).toThrow(/data_batch_1\.bin: 5000 bytes is not a whole number of 3073-byte records/);
    const bad = batchBytes(1);
    bad[0] = 10;
    expect(() => parseCifar10Batch(bad, 'x.bin')).toThrow(/label 10 in record 0/);
  });

  it('reports a missing batch file as input/not-found', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'spvit-cifar-empty-'));
    await expect(resolveDatasetSource({ kind: 'cifar10', path: empty })).rejects.toMatchObject({ code: 'input/not-found' });
    await rm(empty, { recursive: true, force: true });
  });
});
