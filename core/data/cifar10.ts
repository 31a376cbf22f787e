/**
 * CIFAR-10 binary version (cifar-10-batches-bin): records of 1 label byte + 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, each 32x32 row-major). Class names come from batches.meta.txt.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { corruptData } from './errors';
import { readBytes } from './idx';

import type { RawImageSet } from './image-set';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export const CIFAR10_CLASS_NAMES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
] as const;

export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

const HINT = 'Point the dataset at the cifar-10-batches-bin folder (data_batch_1..5.bin, test_batch.bin).';

/** Decodes one batch file's bytes, appending HWC pixels and labels to the arrays given. */
export function parseCifar10Batch(bytes: Uint8Array, file: string): { pixels: Uint8Array; labels: Int32Array } {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw corruptData(
      file,
      `${bytes.length} bytes is not a whole number of ${RECORD}-byte records (1 label + 3x32x32 pixels); truncated?`,
    );
  }
  const count = bytes.length / RECORD;
  const pixels = new Uint8Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n += 1) {
    const base = n * RECORD;
    const label = bytes[base] ?? 0;
    if (label >= CIFAR10_CLASS_NAMES.length) {
      throw corruptData(file, `label ${label} in record ${n} is outside the 10 classes`);
    }
    labels[n] = label;
    const out = n * 3 * PLANE;
    for (let p = 0; p < PLANE; p += 1) {
      pixels[out + 3 * p] = bytes[base + 1 + p] ?? 0;
      pixels[out + 3 * p + 1] = bytes[base + 1 + PLANE + p] ?? 0;
      pixels[out + 3 * p + 2] = bytes[base + 1 + 2 * PLANE + p] ?? 0;
    }
  }
  return { pixels, labels };
}

async function readClassNames(folder: string): Promise<readonly string[]> {
  let text: string;
  try {
    text = await readFile(join(folder, 'batches.meta.txt'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return CIFAR10_CLASS_NAMES;
    throw error;
  }
  const names = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (names.length !== CIFAR10_CLASS_NAMES.length) {
    throw corruptData(join(folder, 'batches.meta.txt'), `${names.length} class names, expected 10`);
  }
  return names;
}

/** Reads the given batch files of a CIFAR-10 binary folder into one set. */
export async function readCifar10(folder: string, files: readonly string[], name: string): Promise<RawImageSet> {
  const parts = await Promise.all(
    files.map(async (file) => {
      const path = join(folder, file);
      return parseCifar10Batch(await readBytes(path, 'CIFAR-10 batch file', HINT), path);
    }),
  );
  const count = parts.reduce((sum, part) => sum + part.labels.length, 0);
  const pixels = new Uint8Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  let offset = 0;
  for (const part of parts) {
    pixels.set(part.pixels, offset * 3 * PLANE);
    labels.set(part.labels, offset);
    offset += part.labels.length;
  }
  return {
    name,
    shape: { height: SIDE, width: SIDE, channels: 3 },
    count,
    pixels,
    labels,
    classNames: await readClassNames(folder),
  };
}
