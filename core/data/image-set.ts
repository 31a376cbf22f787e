/** Decoded images held in memory as bytes: the common form every reader produces. */

export interface ImageShape {
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB). */
  channels: number;
}

/** `count` images of one shape, bytes in HWC order, one label per image. */
export interface RawImageSet {
  name: string;
  shape: ImageShape;
  count: number;
  /** count * height * width * channels bytes, image after image, each HWC. */
  pixels: Uint8Array;
  labels: Int32Array;
  classNames: readonly string[];
}

export function imageSizeOf(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

/** The images at `indices`, copied into a new set (order kept as given). */
export function selectImages(set: RawImageSet, indices: readonly number[], name = set.name): RawImageSet {
  const size = imageSizeOf(set.shape);
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((index, i) => {
    pixels.set(set.pixels.subarray(index * size, (index + 1) * size), i * size);
    labels[i] = set.labels[index] ?? -1;
  });
  return { name, shape: { ...set.shape }, count: indices.length, pixels, labels, classNames: set.classNames };
}

/** How many images of each class (index = class). */
export function classCounts(set: Pick<RawImageSet, 'labels' | 'classNames'>): number[] {
  const counts = new Array<number>(set.classNames.length).fill(0);
  for (const label of set.labels) {
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}
