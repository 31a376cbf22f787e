/** The Dataset every trainer and evaluator reads: float NCHW batches from stored byte images. */
import { applyAugment, drawAugment } from './augment';
import { bytesToUnit, convertChannels, padOrCropCentre, resizeImage } from './image-ops';
import { imageSizeOf } from './image-set';
import { adaptStats } from './normalization';
import { createRandom, deriveSeed } from './random';

import type { ImageShape, RawImageSet } from './image-set';
import type { InputConfig } from './input-config';
import type { ChannelStats } from './normalization';

export interface Batch {
  /** N*C*H*W floats, normalised. */
  images: Float32Array;
  labels: Int32Array;
  /** [N, C, H, W] */
  shape: [number, number, number, number];
}

export interface BatchOptions {
  /** Apply the configured augmentation (training); off by default (evaluation). */
  augment?: boolean;
  /** Seed of the augmentation; a sample's draw depends only on (seed, its index), not on the batch. */
  seed?: number;
}

export interface Dataset {
  readonly name: string;
  readonly length: number;
  /** Shape of the images in batches (after fit and channel conversion). */
  readonly imageShape: ImageShape;
  /** Shape of the stored images. */
  readonly sourceShape: ImageShape;
  readonly classNames: readonly string[];
  readonly numClasses: number;
  /** Mean/std applied per output channel ({0}, {1} when normalisation is 'none'). */
  readonly normalization: ChannelStats;
  readonly input: InputConfig;
  labelAt(index: number): number;
  getBatch(indices: readonly number[], options?: BatchOptions): Batch;
  /** A view on some of the samples (indices into this dataset); nothing is copied. */
  subset(indices: readonly number[], name?: string): Dataset;
}

function resolveNormalization(input: InputConfig, datasetStats: ChannelStats): ChannelStats {
  const { normalization, channels } = input;
  if (normalization === 'none') {
    return { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) };
  }
  const stats = normalization === 'dataset' ? datasetStats : normalization;
  return adaptStats(stats, channels);
}

interface DatasetParts {
  set: RawImageSet;
  input: InputConfig;
  datasetStats: ChannelStats;
  /** Positions in `set` of this view's samples; null = all, in order. */
  indexMap: Int32Array | null;
  name: string;
}

class ImageSetDataset implements Dataset {
  readonly imageShape: ImageShape;
  readonly normalization: ChannelStats;
  readonly input: InputConfig;
  readonly name: string;
  private readonly set: RawImageSet;
  private readonly datasetStats: ChannelStats;
  private readonly indexMap: Int32Array | null;
  private readonly fill: number[];

  constructor(parts: DatasetParts) {
    ({ set: this.set, input: this.input, datasetStats: this.datasetStats, indexMap: this.indexMap, name: this.name } = parts);
    const input = parts.input;
    this.imageShape = { height: input.height, width: input.width, channels: input.channels };
    this.normalization = resolveNormalization(input, parts.datasetStats);
    this.fill = this.normalization.mean.map((m, c) => -m / (this.normalization.std[c] ?? 1));
  }

  get length(): number {
    return this.indexMap === null ? this.set.count : this.indexMap.length;
  }

  get sourceShape(): ImageShape {
    return this.set.shape;
  }

  get classNames(): readonly string[] {
    return this.set.classNames;
  }

  get numClasses(): number {
    return this.set.classNames.length;
  }

  private storedIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`${this.name}: sample ${index} is outside 0..${this.length - 1}`);
    }
    return this.indexMap === null ? index : (this.indexMap[index] ?? 0);
  }

  labelAt(index: number): number {
    return this.set.labels[this.storedIndex(index)] ?? -1;
  }

  /** One stored image fitted to the input shape, normalised, as CHW floats. */
  private fitted(stored: number): Float32Array {
    const source = this.set.shape;
    const size = imageSizeOf(source);
    let image = bytesToUnit(this.set.pixels.subarray(stored * size, (stored + 1) * size));
    image = convertChannels(image, source, this.input.channels);
    const shape = { ...source, channels: this.input.channels };
    const target = { height: this.input.height, width: this.input.width };
    image = this.input.fit === 'resize' ? resizeImage(image, shape, target) : padOrCropCentre(image, shape, target);
    const { channels, height, width } = this.imageShape;
    const chw = new Float32Array(channels * height * width);
    for (let c = 0; c < channels; c += 1) {
      const mean = this.normalization.mean[c] ?? 0;
      const std = this.normalization.std[c] ?? 1;
      for (let p = 0; p < height * width; p += 1) {
        chw[c * height * width + p] = ((image[p * channels + c] ?? 0) - mean) / std;
      }
    }
    return chw;
  }

  getBatch(indices: readonly number[], options: BatchOptions = {}): Batch {
    const { channels, height, width } = this.imageShape;
    const size = channels * height * width;
    const images = new Float32Array(indices.length * size);
    const labels = new Int32Array(indices.length);
    const augment = options.augment === true && (this.input.augment.cropPadding > 0 || this.input.augment.horizontalFlip);
    indices.forEach((index, i) => {
      const stored = this.storedIndex(index);
      labels[i] = this.set.labels[stored] ?? -1;
      const chw = this.fitted(stored);
      if (!augment) {
        images.set(chw, i * size);
        return;
      }
      const draw = drawAugment(this.input.augment, createRandom(deriveSeed(options.seed ?? 0, index)));
      applyAugment(chw, this.imageShape, { ...draw, padding: this.input.augment.cropPadding, fill: this.fill }, images.subarray(i * size, (i + 1) * size));
    });
    return { images, labels, shape: [indices.length, channels, height, width] };
  }

  subset(indices: readonly number[], name = `${this.name}[subset]`): Dataset {
    const map = Int32Array.from(indices, (index) => this.storedIndex(index));
    return new ImageSetDataset({ set: this.set, input: this.input, datasetStats: this.datasetStats, indexMap: map, name });
  }
}

/** A Dataset over a stored set; `stats` are the source's channel statistics (for 'dataset' normalisation). */
export function createDataset(set: RawImageSet, input: InputConfig, stats: ChannelStats): Dataset {
  return new ImageSetDataset({ set, input, datasetStats: stats, indexMap: null, name: set.name });
}
