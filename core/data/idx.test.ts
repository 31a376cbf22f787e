import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../shared/errors';

import { encodeIdx, parseIdx, readIdxFile } from './idx';
import { readIdxImageSet } from './idx-dataset';
import { classCounts } from './image-set';
import { SAMPLE_DIR } from './resolve';
import { FASHION_MNIST_CLASS_NAMES } from './spec';

const sample = (name: string) => join(SAMPLE_DIR, name);
const options = { name: 'sample', classNames: FASHION_MNIST_CLASS_NAMES };

async function expectDataError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isStudioError(error), `expected a StudioError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  expect((error as Error).message).toMatch(pattern);
}

describe('IDX reader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spvit-idx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the bundled Fashion-MNIST sample: 2,000 + 500 images of 28x28, balanced classes', async () => {
    const train = await readIdxImageSet({ images: sample('train-images-idx3-ubyte.gz'), labels: sample('train-labels-idx1-ubyte.gz') }, options);
    const test = await readIdxImageSet({ images: sample('t10k-images-idx3-ubyte.gz'), labels: sample('t10k-labels-idx1-ubyte.gz') }, options);
    expect(train.count).toBe(2000);
    expect(test.count).toBe(500);
    expect(train.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(classCounts(train)).toEqual(new Array(10).fill(200));
    expect(classCounts(test)).toEqual(new Array(10).fill(50));
    // Real images: a mix of background and bright pixels, not a constant.
    const mean = train.pixels.reduce((s, v) => s + v, 0) / train.pixels.length / 255;
    expect(mean).toBeGreaterThan(0.2);
    expect(mean).toBeLessThan(0.4);
  });

  it('reads raw (not gzipped) files the same as gzipped ones', async () => {
    const gz = await readIdxFile(sample('t10k-labels-idx1-ubyte.gz'));
    const rawPath = join(dir, 'labels-raw');
    await writeFile(rawPath, gunzipSync(await readFile(sample('t10k-labels-idx1-ubyte.gz'))));
    const raw = await readIdxFile(rawPath);
    expect(raw.dims).toEqual([500]);
    expect(Array.from(raw.data)).toEqual(Array.from(gz.data));
  });

  it('round-trips encodeIdx / parseIdx', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 7);
    const parsed = parseIdx(encodeIdx([2, 3, 4], data), 'mem');
    expect(parsed.dims).toEqual([2, 3, 4]);
    expect(Array.from(parsed.data)).toEqual(Array.from(data));
  });

  it('names the file and the problem for a truncated gzip file', async () => {
    const bytes = await readFile(sample('t10k-images-idx3-ubyte.gz'));
    const path = join(dir, 'cut-images.gz');
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectDataError(readIdxFile(path), 'data/corrupt', /cut-images\.gz: broken gzip stream.*truncated/);
  });

  it('names the file and the sizes for a truncated raw file', async () => {
    const raw = gunzipSync(await readFile(sample('t10k-images-idx3-ubyte.gz')));
    const path = join(dir, 'short-images');
    await writeFile(path, raw.subarray(0, raw.length - 100));
    await expectDataError(readIdxFile(path), 'data/corrupt', /short-images: truncated: the header announces 500x28x28 = 392000 bytes of data, found 391900/);
  });

  it('rejects a wrong magic number', async () => {
    const raw = gunzipSync(await readFile(sample('t10k-labels-idx1-ubyte.gz')));
    raw[0] = 0x1f;
    raw[1] = 0x00;
    const path = join(dir, 'bad-magic.gz');
    await writeFile(path, gzipSync(raw));
    await expectDataError(readIdxFile(path), 'data/corrupt', /bad-magic\.gz: wrong magic number 1f 00 08 01/);
  });

  it('rejects an unsupported element type', () => {
    const bytes = encodeIdx([2], Uint8Array.of(1, 2));
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes, 'floats')).toThrow(/element type float32/);
  });

  it('rejects images and labels whose counts differ', async () => {
    const raw = gunzipSync(await readFile(sample('t10k-labels-idx1-ubyte.gz')));
    const fewer = encodeIdx([499], raw.subarray(8, 8 + 499));
    const path = join(dir, 'labels-499.gz');
    await writeFile(path, gzipSync(fewer));
    await expectDataError(
      readIdxImageSet({ images: sample('t10k-images-idx3-ubyte.gz'), labels: path }, options),
      'data/corrupt',
      /labels-499\.gz: 499 labels for 500 images/,
    );
  });

  it('rejects a label outside the classes', async () => {
    const labels = new Uint8Array(500).fill(3);
    labels[17] = 12;
    const path = join(dir, 'labels-range.gz');
    await writeFile(path, gzipSync(encodeIdx([500], labels)));
    await expectDataError(
      readIdxImageSet({ images: sample('t10k-images-idx3-ubyte.gz'), labels: path }, options),
      'data/corrupt',
      /label 12 at index 17 is outside the 10 classes/,
    );
  });

  it('reports a missing file as input/not-found', async () => {
    await expectDataError(readIdxFile(join(dir, 'nope.gz')), 'input/not-found', /IDX file not found: .*nope\.gz/);
  });
});
