/**
 * Builds the bundled Fashion-MNIST sample: the first `perClass` images of every class, in file
 * order, from each split, written as gzipped IDX. Deterministic: same source, same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { encodeIdx } from './idx';
import { readIdxImageSet } from './idx-dataset';
import { selectImages } from './image-set';
import { FASHION_MNIST_CLASS_NAMES } from './spec';

import type { RawImageSet } from './image-set';

/** Indices of the first `perClass` images of each class, ascending. */
export function firstPerClass(labels: Int32Array, classes: number, perClass: number): number[] {
  const taken = new Array<number>(classes).fill(0);
  const picked: number[] = [];
  labels.forEach((label, i) => {
    if ((taken[label] ?? perClass) < perClass) {
      taken[label] = (taken[label] ?? 0) + 1;
      picked.push(i);
    }
  });
  return picked;
}

/** gzip with fixed settings (level 9, no name, mtime 0), so the output is reproducible. */
export function gzipIdx(set: RawImageSet): { images: Uint8Array; labels: Uint8Array } {
  const { count, shape } = set;
  const images = encodeIdx([count, shape.height, shape.width], set.pixels);
  const labels = encodeIdx([count], Uint8Array.from(set.labels));
  return { images: gzipSync(images, { level: 9 }), labels: gzipSync(labels, { level: 9 }) };
}

export interface SampleSpec {
  sourceDir: string;
  outDir: string;
  trainPerClass: number;
  testPerClass: number;
}

export async function makeFashionMnistSample(spec: SampleSpec): Promise<{ files: string[]; train: number; test: number }> {
  const classNames = FASHION_MNIST_CLASS_NAMES;
  const read = (prefix: string) =>
    readIdxImageSet(
      { images: join(spec.sourceDir, `${prefix}-images-idx3-ubyte.gz`), labels: join(spec.sourceDir, `${prefix}-labels-idx1-ubyte.gz`) },
      { name: prefix, classNames },
    );
  await mkdir(spec.outDir, { recursive: true });
  const files: string[] = [];
  const counts: number[] = [];
  for (const [prefix, perClass] of [['train', spec.trainPerClass], ['t10k', spec.testPerClass]] as const) {
    const full = await read(prefix);
    const sample = selectImages(full, firstPerClass(full.labels, classNames.length, perClass));
    const encoded = gzipIdx(sample);
    for (const [kind, bytes] of [['images-idx3', encoded.images], ['labels-idx1', encoded.labels]] as const) {
      const path = join(spec.outDir, `${prefix}-${kind}-ubyte.gz`);
      await writeFile(path, bytes);
      files.push(path);
    }
    counts.push(sample.count);
  }
  return { files, train: counts[0] ?? 0, test: counts[1] ?? 0 };
}
