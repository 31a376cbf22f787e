/**
 * Image folders: one sub-folder per class (sorted names = class order), PNG or JPEG files inside,
 * every image decoded and resized to one target size when read.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

import { StudioError } from '../shared/errors';

import { dataNotFound } from './errors';
import { decodeImage } from './image-decode';
import { readBytes } from './idx';
import { resizeImage, unitToBytes } from './image-ops';

import type { RawImageSet } from './image-set';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export interface ImageFolderOptions {
  name: string;
  height: number;
  width: number;
  channels: 1 | 3;
}

async function listDirectory(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw dataNotFound(path, 'Image folder', 'Give a folder with one sub-folder of PNG/JPEG images per class.');
    }
    throw error;
  }
}

/** Class names (sorted sub-folder names) and the image files of each. */
export async function scanImageFolder(root: string): Promise<{ classNames: string[]; files: string[][] }> {
  const classNames: string[] = [];
  const files: string[][] = [];
  for (const entry of await listDirectory(root)) {
    const path = join(root, entry);
    if (!(await stat(path)).isDirectory()) continue;
    const images = (await listDirectory(path))
      .filter((file) => IMAGE_EXTENSIONS.has(extname(file).toLowerCase()))
      .map((file) => join(path, file));
    classNames.push(entry);
    files.push(images);
  }
  const total = files.reduce((sum, list) => sum + list.length, 0);
  if (classNames.length === 0 || total === 0) {
    throw new StudioError('input/invalid', `No class sub-folders with PNG/JPEG images in ${root}`, {
      details: { path: root, classes: classNames.length, images: total },
      hint: 'Lay the folder out as ROOT/<class name>/<image>.png (or .jpg).',
    });
  }
  return { classNames, files };
}

/** Reads every image of the folder, resized to the target size, into one set. */
export async function readImageFolder(root: string, options: ImageFolderOptions): Promise<RawImageSet> {
  const { classNames, files } = await scanImageFolder(root);
  const shape = { height: options.height, width: options.width, channels: options.channels };
  const size = shape.height * shape.width * shape.channels;
  const count = files.reduce((sum, list) => sum + list.length, 0);
  const pixels = new Uint8Array(count * size);
  const labels = new Int32Array(count);
  let n = 0;
  for (const [label, list] of files.entries()) {
    for (const file of list) {
      const bytes = await readBytes(file, 'Image file', 'The folder changed while it was read; read it again.');
      const decoded = decodeImage(bytes, file, options.channels);
      pixels.set(unitToBytes(resizeImage(decoded.data, decoded.shape, shape)), n * size);
      labels[n] = label;
      n += 1;
    }
  }
  return { name: options.name, shape, count, pixels, labels, classNames };
}
