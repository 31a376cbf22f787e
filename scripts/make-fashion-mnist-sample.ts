/**
 * Writes core/data/samples/fashion-mnist-sample/ from Debian's dataset-fashion-mnist files:
 * the first 200 training and 50 test images of each class (2,000 + 500), as gzipped IDX.
 * Run: npx tsx scripts/make-fashion-mnist-sample.ts [SOURCE_DIR]
 */
import { fileURLToPath } from 'node:url';

import { makeFashionMnistSample } from '../core/data/sample-maker';
import { FASHION_MNIST_SYSTEM_DIR } from '../core/data/spec';

const outDir = fileURLToPath(new URL('../core/data/samples/fashion-mnist-sample/', import.meta.url));
const sourceDir = process.argv[2] ?? FASHION_MNIST_SYSTEM_DIR;

const result = await makeFashionMnistSample({ sourceDir, outDir, trainPerClass: 200, testPerClass: 50 });
console.log(`wrote ${result.train} train + ${result.test} test images:\n  ${result.files.join('\n  ')}`);
