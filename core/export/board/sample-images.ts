/**
 * Images a board package is calibrated and checked on. From a .npy file (NCHW float32, normalised as
 * the model expects), or by default from the bundled Fashion-MNIST sample (core/data) fitted to the
 * model's input: resized, grey copied to every channel, normalised with the dataset's statistics.
 * Calibration images come from the sample's training split, check images from its test split, so
 * the two never overlap; with a file, the first images calibrate and all of them are checked (the
 * report says so).
 */
import { StudioError } from '../../shared/errors';
import { openDatasets } from '../../data/open';
import { npyToFloat32, readNpy } from '../../models/io/npy';

import type { ImageBatch } from './exporter';

export interface PackageImages {
  calibration: ImageBatch;
  evaluation: ImageBatch;
  /** True when the evaluation images include the calibration ones. */
  overlap: boolean;
}

export interface PackageImageOptions {
  /** [C, H, W] of the model input. */
  inputShape: readonly [number, number, number];
  /** A .npy file of NCHW float images; absent: the bundled Fashion-MNIST sample. */
  imagesPath?: string | undefined;
  calibrationCount: number;
  evaluationCount: number;
  seed?: number;
}

export async function packageImages(options: PackageImageOptions): Promise<PackageImages> {
  const [channels, height, width] = options.inputShape;
  const perImage = channels * height * width;
  if (options.imagesPath !== undefined) {
    const array = await readNpy(options.imagesPath);
    const data = npyToFloat32(array);
    const [count, c, h, w] = array.shape;
    if (array.shape.length !== 4 || c !== channels || h !== height || w !== width || count === undefined || count < 1) {
      throw new StudioError('input/invalid', `${options.imagesPath} has shape [${array.shape.join(', ')}]; the model takes NCHW float images [N, ${channels}, ${height}, ${width}].`, {
        hint: 'Save the images as a float32 .npy of shape [N, C, H, W], normalised as for the model.',
      });
    }
    const calibrationCount = Math.min(count, options.calibrationCount);
    const evaluationCount = Math.min(count, options.evaluationCount);
    return {
      calibration: { data: data.slice(0, calibrationCount * perImage), count: calibrationCount, source: `${options.imagesPath} (first ${calibrationCount})` },
      evaluation: { data: data.slice(0, evaluationCount * perImage), count: evaluationCount, source: `${options.imagesPath} (first ${evaluationCount})` },
      overlap: true,
    };
  }
  if (channels !== 1 && channels !== 3) {
    throw new StudioError('input/invalid', `The bundled sample images are grey; a model with ${channels} input channels needs --images FILE.npy.`, { hint: 'Give images with --images.' });
  }
  const opened = await openDatasets(
    { kind: 'sample' },
    {
      input: { height, width, channels, fit: 'resize', normalization: 'dataset', augment: { cropPadding: 0, horizontalFlip: false } },
      valFraction: 0,
      seed: options.seed ?? 7,
      trainLimit: options.calibrationCount,
      testLimit: options.evaluationCount,
    },
  );
  const take = (dataset: typeof opened.train, count: number) => dataset.getBatch(Array.from({ length: Math.min(count, dataset.length) }, (_, i) => i));
  const calibration = take(opened.train, options.calibrationCount);
  const evaluation = take(opened.test, options.evaluationCount);
  return {
    calibration: { data: calibration.images, count: calibration.shape[0], source: `fashion-mnist sample, train split (${calibration.shape[0]} images)` },
    evaluation: { data: evaluation.images, count: evaluation.shape[0], source: `fashion-mnist sample, test split (${evaluation.shape[0]} images)` },
    overlap: false,
  };
}
