import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InputConfigSchema } from './input-config';
import { openDatasets } from './open';
import { readImageFolder } from './image-folder';

function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p += 1) image.data.set([...rgb, 255], p * 4);
  return PNG.sync.write(image);
}

function jpg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p += 1) data.set([...rgb, 255], p * 4);
  return jpeg.encode({ width, height, data }, 95).data;
}

describe('image folder reader', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'spvit-folder-'));
    for (const part of ['train', 'test']) {
      await mkdir(join(root, part, 'red'), { recursive: true });
      await mkdir(join(root, part, 'blue'), { recursive: true });
      await writeFile(join(root, part, 'red', 'a.png'), png(40, 20, [255, 0, 0]));
      await writeFile(join(root, part, 'red', 'b.jpg'), jpg(16, 16, [250, 10, 10]));
      await writeFile(join(root, part, 'blue', 'c.png'), png(8, 8, [0, 0, 255]));
      await writeFile(join(root, part, 'blue', 'notes.txt'), 'ignored');
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('decodes PNG and JPEG, resizes to the target size, labels by sorted folder name', async () => {
    const set = await readImageFolder(join(root, 'train'), { name: 'f', height: 4, width: 4, channels: 3 });
    expect(set.classNames).toEqual(['blue', 'red']);
    expect(set.count).toBe(3);
    expect(Array.from(set.labels)).toEqual([0, 1, 1]);
    expect(Array.from(set.pixels.subarray(0, 3))).toEqual([0, 0, 255]);
    expect(Array.from(set.pixels.subarray(48, 51))).toEqual([255, 0, 0]);
    const jpegPixel = Array.from(set.pixels.subarray(96, 99));
    expect(jpegPixel[0]).toBeGreaterThan(230);
    expect(jpegPixel[2]).toBeLessThan(30);
  });

  it('opens train/test sub-folders through the resolver', async () => {
    const input = InputConfigSchema.parse({ height: 8, width: 8, channels: 1, normalization: 'none' });
    const opened = await openDatasets({ kind: 'image-folder', path: root }, { input, valFraction: 0, seed: 0 });
    expect(opened.hasOwnTest).toBe(true);
    expect(opened.test.length).toBe(3);
    expect(opened.train.getBatch([0]).shape).toEqual([1, 1, 8, 8]);
  });

  it('reports a corrupt image with its path', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'spvit-folder-bad-'));
    await mkdir(join(bad, 'x'));
    const good = png(4, 4, [1, 2, 3]);
    await writeFile(join(bad, 'x', 'broken.png'), good.subarray(0, 40));
    await expect(readImageFolder(bad, { name: 'b', height: 4, width: 4, channels: 3 })).rejects.toMatchObject({
      code: 'data/corrupt',
      message: expect.stringMatching(/broken\.png: cannot decode the PNG data/),
    });
    await writeFile(join(bad, 'x', 'broken.png'), 'not an image');
    await expect(readImageFolder(bad, { name: 'b', height: 4, width: 4, channels: 3 })).rejects.toMatchObject({ code: 'data/corrupt' });
    await rm(bad, { recursive: true, force: true });
  });

  it('rejects a folder without class sub-folders and a missing folder', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'spvit-folder-empty-'));
    await expect(readImageFolder(empty, { name: 'e', height: 4, width: 4, channels: 3 })).rejects.toMatchObject({ code: 'input/invalid' });
    await expect(readImageFolder(join(empty, 'missing'), { name: 'e', height: 4, width: 4, channels: 3 })).rejects.toMatchObject({ code: 'input/not-found' });
    await rm(empty, { recursive: true, force: true });
  });
});
