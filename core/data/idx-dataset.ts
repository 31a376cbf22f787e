/** An IDX image file and its label file (MNIST layout) read into a RawImageSet. */
import { corruptData } from './errors';
import { readIdxFile } from './idx';

import type { RawImageSet } from './image-set';

export interface IdxPairFiles {
  images: string;
  labels: string;
}

export interface IdxPairOptions {
  name: string;
  classNames: readonly string[];
}

export async function readIdxImageSet(files: IdxPairFiles, options: IdxPairOptions): Promise<RawImageSet> {
  const [images, labels] = await Promise.all([readIdxFile(files.images), readIdxFile(files.labels)]);
  if (images.dims.length !== 3) {
    throw corruptData(files.images, `an image file has 3 dimensions (count, rows, columns), found ${images.dims.length}`);
  }
  if (labels.dims.length !== 1) {
    throw corruptData(files.labels, `a label file has 1 dimension (count), found ${labels.dims.length}`);
  }
  const [count = 0, height = 0, width = 0] = images.dims;
  const labelCount = labels.dims[0] ?? 0;
  if (count !== labelCount) {
    throw corruptData(
      files.labels,
      `${labelCount} labels for ${count} images in ${files.images}; the counts must match`,
    );
  }
  if (count === 0 || height === 0 || width === 0) {
    throw corruptData(files.images, `empty image array ${images.dims.join('x')}`);
  }
  const classes = options.classNames.length;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i += 1) {
    const label = labels.data[i] ?? 0;
    if (label >= classes) {
      throw corruptData(files.labels, `label ${label} at index ${i} is outside the ${classes} classes`);
    }
    out[i] = label;
  }
  return {
    name: options.name,
    shape: { height, width, channels: 1 },
    count,
    pixels: images.data,
    labels: out,
    classNames: options.classNames,
  };
}
