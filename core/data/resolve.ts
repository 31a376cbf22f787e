/** Dataset spec -> files on disk (checked) -> stored image sets. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { StudioError } from '../shared/errors';

import { CIFAR10_CLASS_NAMES, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, readCifar10 } from './cifar10';
import { dataNotFound } from './errors';
import { readIdxImageSet } from './idx-dataset';
import { readImageFolder } from './image-folder';
import { FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_SYSTEM_DIR, MNIST_CLASS_NAMES } from './spec';

import type { IdxPairFiles } from './idx-dataset';
import type { RawImageSet } from './image-set';
import type { DatasetSpec } from './spec';

export const SAMPLE_DIR = fileURLToPath(new URL('./samples/fashion-mnist-sample/', import.meta.url));

export type ResolvedDatasetSource =
  | { format: 'idx'; kind: DatasetSpec['kind']; name: string; root: string; classNames: readonly string[]; train: IdxPairFiles; test: IdxPairFiles }
  | { format: 'cifar10'; kind: 'cifar10'; name: string; root: string; classNames: readonly string[]; train: string[]; test: string[] }
  | { format: 'image-folder'; kind: 'image-folder'; name: string; root: string; train: string; test: string | null };

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** `<stem>.gz` if present, else the raw `<stem>`, else a not-found error. */
async function findIdx(root: string, stem: string, hint: string): Promise<string> {
  for (const candidate of [join(root, `${stem}.gz`), join(root, stem)]) {
    if (await isFile(candidate)) return candidate;
  }
  throw dataNotFound(join(root, `${stem}(.gz)`), 'IDX file', hint);
}

async function resolveIdx(root: string, hint: string): Promise<{ train: IdxPairFiles; test: IdxPairFiles }> {
  if (!(await isDirectory(root))) throw dataNotFound(root, 'Dataset folder', hint);
  return {
    train: { images: await findIdx(root, 'train-images-idx3-ubyte', hint), labels: await findIdx(root, 'train-labels-idx1-ubyte', hint) },
    test: { images: await findIdx(root, 't10k-images-idx3-ubyte', hint), labels: await findIdx(root, 't10k-labels-idx1-ubyte', hint) },
  };
}

/** Finds the files of a dataset; missing ones are 'input/not-found' with what to do. */
export async function resolveDatasetSource(spec: DatasetSpec): Promise<ResolvedDatasetSource> {
  switch (spec.kind) {
    case 'sample': {
      const files = await resolveIdx(SAMPLE_DIR, 'The bundled sample is part of the repository: restore core/data/samples/.');
      return { format: 'idx', kind: 'sample', name: 'fashion-mnist-sample', root: SAMPLE_DIR, classNames: FASHION_MNIST_CLASS_NAMES, ...files };
    }
    case 'fashion-mnist': {
      const root = spec.path ?? FASHION_MNIST_SYSTEM_DIR;
      const hint =
        spec.path === undefined
          ? "Install the Debian package 'dataset-fashion-mnist', give a path, or use the bundled sample ({kind: 'sample'})."
          : 'The folder must hold train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz) and the t10k-* pair.';
      return { format: 'idx', kind: 'fashion-mnist', name: 'fashion-mnist', root, classNames: FASHION_MNIST_CLASS_NAMES, ...(await resolveIdx(root, hint)) };
    }
    case 'mnist': {
      const hint = 'The folder must hold train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz) and the t10k-* pair.';
      return { format: 'idx', kind: 'mnist', name: 'mnist', root: spec.path, classNames: MNIST_CLASS_NAMES, ...(await resolveIdx(spec.path, hint)) };
    }
    case 'cifar10': {
      const hint = 'Point the dataset at the cifar-10-batches-bin folder (data_batch_1..5.bin, test_batch.bin).';
      if (!(await isDirectory(spec.path))) throw dataNotFound(spec.path, 'CIFAR-10 folder', hint);
      for (const file of [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES]) {
        if (!(await isFile(join(spec.path, file)))) throw dataNotFound(join(spec.path, file), 'CIFAR-10 batch file', hint);
      }
      return { format: 'cifar10', kind: 'cifar10', name: 'cifar10', root: spec.path, classNames: CIFAR10_CLASS_NAMES, train: CIFAR10_TRAIN_FILES, test: CIFAR10_TEST_FILES };
    }
    case 'image-folder': {
      const hint = 'Give a folder with one sub-folder of PNG/JPEG images per class.';
      if (!(await isDirectory(spec.path))) throw dataNotFound(spec.path, 'Image folder', hint);
      const train = join(spec.path, 'train');
      if (await isDirectory(train)) {
        for (const name of ['test', 'val']) {
          const test = join(spec.path, name);
          if (await isDirectory(test)) return { format: 'image-folder', kind: 'image-folder', name: 'image-folder', root: spec.path, train, test };
        }
        return { format: 'image-folder', kind: 'image-folder', name: 'image-folder', root: spec.path, train, test: null };
      }
      return { format: 'image-folder', kind: 'image-folder', name: 'image-folder', root: spec.path, train: spec.path, test: null };
    }
  }
}

export interface StoredSets {
  train: RawImageSet;
  /** Null when the source has no test part (an image folder without test/ or val/). */
  test: RawImageSet | null;
}

/** Reads the stored images; image folders are decoded and resized to `folderSize` when read. */
export async function readStoredSets(
  source: ResolvedDatasetSource,
  folderSize: { height: number; width: number; channels: 1 | 3 },
): Promise<StoredSets> {
  switch (source.format) {
    case 'idx': {
      const options = (part: string) => ({ name: `${source.name}/${part}`, classNames: source.classNames });
      const [train, test] = await Promise.all([
        readIdxImageSet(source.train, options('train')),
        readIdxImageSet(source.test, options('test')),
      ]);
      return { train, test };
    }
    case 'cifar10':
      return {
        train: await readCifar10(source.root, source.train, `${source.name}/train`),
        test: await readCifar10(source.root, source.test, `${source.name}/test`),
      };
    case 'image-folder': {
      const train = await readImageFolder(source.train, { name: `${source.name}/train`, ...folderSize });
      if (source.test === null) return { train, test: null };
      const test = await readImageFolder(source.test, { name: `${source.name}/test`, ...folderSize });
      if (test.classNames.join('\n') !== train.classNames.join('\n')) {
        throw new StudioError('input/invalid', `The class folders of ${source.test} differ from those of ${source.train}`, {
          details: { train: [...train.classNames], test: [...test.classNames] },
          hint: 'Give the test folder the same class sub-folders as the train folder.',
        });
      }
      return { train, test };
    }
  }
}
