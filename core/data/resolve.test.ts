import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { InputConfigSchema } from './input-config';
import { openDatasets } from './open';
import { SAMPLE_DIR, resolveDatasetSource } from './resolve';
import { firstPerClass, makeFashionMnistSample } from './sample-maker';
import { FASHION_MNIST_SYSTEM_DIR } from './spec';

async function systemDatasetPresent(): Promise<boolean> {
  try {
    await access(join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));
    return true;
  } catch {
    // Not installed: the checks that need the full set skip (CI installs dataset-fashion-mnist).
    if (process.env.CI === 'true') throw new Error("CI must install the Debian package 'dataset-fashion-mnist'");
    console.warn("skipping: install the Debian package 'dataset-fashion-mnist' for the full-set checks");
    return false;
  }
}

describe('dataset resolver', () => {
  it('resolves the bundled sample', async () => {
    const source = await resolveDatasetSource({ kind: 'sample' });
    expect(source.format).toBe('idx');
    expect(source.root).toBe(SAMPLE_DIR);
  });

  it('reports a missing Fashion-MNIST folder as input/not-found with a hint', async () => {
    const error = await resolveDatasetSource({ kind: 'fashion-mnist', path: '/nonexistent/fmnist' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'input/not-found', message: expect.stringContaining('/nonexistent/fmnist') });
    expect((error as { hint?: string }).hint).toMatch(/t10k/);
  });

  it('opens the full Fashion-MNIST from the Debian package (60,000 + 10,000)', async () => {
    if (!(await systemDatasetPresent())) return;
    const input = InputConfigSchema.parse({ height: 28, width: 28, channels: 1 });
    const opened = await openDatasets({ kind: 'fashion-mnist' }, { input, valFraction: 0.1, seed: 0 });
    expect(opened.train.length + opened.val.length).toBe(60_000);
    expect(opened.val.length).toBe(6_000);
    expect(opened.test.length).toBe(10_000);
    expect(opened.train.classNames[9]).toBe('Ankle boot');
  });

  it('makes the bundled sample again, byte for byte', async () => {
    if (!(await systemDatasetPresent())) return;
    const out = await mkdtemp(join(tmpdir(), 'spvit-sample-'));
    const result = await makeFashionMnistSample({ sourceDir: FASHION_MNIST_SYSTEM_DIR, outDir: out, trainPerClass: 200, testPerClass: 50 });
    expect([result.train, result.test]).toEqual([2000, 500]);
    for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      const made = await readFile(join(out, name));
      const shipped = await readFile(join(SAMPLE_DIR, name));
      expect(made.equals(shipped), name).toBe(true);
    }
    await rm(out, { recursive: true, force: true });
  });

  it('picks the first images of each class in file order', () => {
    expect(firstPerClass(Int32Array.of(0, 1, 0, 0, 1, 2, 1), 3, 2)).toEqual([0, 1, 2, 4, 5]);
  });
});
