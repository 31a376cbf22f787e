/** PNG and JPEG files -> HWC float images in [0, 1] (RGB or grey), with 'data/corrupt' on bad bytes. */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

import { corruptData } from './errors';
import { bytesToUnit, convertChannels } from './image-ops';

import type { ImageShape } from './image-set';

export interface DecodedImage {
  shape: ImageShape;
  /** HWC floats in [0, 1]. */
  data: Float32Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

export function imageFormatOf(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  if (startsWith(bytes, JPEG_MAGIC)) return 'jpeg';
  return null;
}

/** RGBA bytes -> RGB floats; alpha is dropped (images are used as stored). */
function rgbaToRgb(rgba: Uint8Array, pixels: number): Float32Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p += 1) {
    rgb[3 * p] = rgba[4 * p] ?? 0;
    rgb[3 * p + 1] = rgba[4 * p + 1] ?? 0;
    rgb[3 * p + 2] = rgba[4 * p + 2] ?? 0;
  }
  return bytesToUnit(rgb);
}

/** Decodes a PNG or JPEG into `channels` (1 or 3) channels. */
export function decodeImage(bytes: Uint8Array, file: string, channels: 1 | 3): DecodedImage {
  const format = imageFormatOf(bytes);
  if (format === null) {
    throw corruptData(file, 'neither a PNG nor a JPEG (unknown magic bytes)');
  }
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    } else {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      ({ width, height } = decoded);
      rgba = decoded.data;
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw corruptData(file, `cannot decode the ${format.toUpperCase()} data (${reason})`, error);
  }
  if (width === 0 || height === 0 || rgba.length < width * height * 4) {
    throw corruptData(file, `decoded to an empty or short ${width}x${height} image`);
  }
  const rgb = rgbaToRgb(rgba, width * height);
  const shape = { height, width, channels: 3 };
  return { shape: { height, width, channels }, data: convertChannels(rgb, shape, channels) };
}
