/**
 * The fixed-point DeiT-Tiny against its float model, on the timm fixture (random weights, perturbed
 * norms) — the project's acceptance check for the board package.
 *
 * Batch: the fixture's own input plus 49 perturbed versions of it (perturbed-batch.ts, seed 2:
 * flips, shifts up to 16 px, contrast 0.7-1.3, noise up to 0.5 sigma, some mixes and cut-outs).
 * Calibration: 16 other perturbed versions (seed 1). With random weights the float top-2 logits are
 * often within 0.001 of each other, so this asks for logit errors well under 1%.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { npyToFloat32, readNpy } from '../../models/io/npy';
import { createModel, fromTimmConfig } from '../../models/registry';
import { loadWeightsFile } from '../../models/weights';
import { initTensorBackend } from '../../tensor/backend';

import { compareWithFloat, runReference } from './accuracy';
import { perturbedBatch } from './calibration/perturbed-batch';
import { exportBoardPackage } from './exporter';
import { floatReference } from './float-reference';
import { ReferenceRunner } from './reference-runner';

const FIXTURE = fileURLToPath(new URL('../../../../shared/fixtures/timm/deit_tiny_patch16_224/', import.meta.url));

describe('fixed-point DeiT-Tiny (timm fixture)', () => {
  beforeAll(async () => {
    await initTensorBackend({});
  });

  it('keeps the float top-1 on at least 98% of a 50-image perturbed batch (int8 weights, 12-bit activations)', async () => {
    const folder = FIXTURE;
    const model = createModel(fromTimmConfig(JSON.parse(await readFile(join(folder, 'config.json'), 'utf8'))));
    try {
      await loadWeightsFile(model, join(folder, 'model.safetensors'));
      const input = npyToFloat32(await readNpy(join(folder, 'input.npy')));
      const shape = [3, 224, 224] as const;
      const calibration = perturbedBatch(input, shape, { count: 16, seed: 1 });
      const { pkg } = exportBoardPackage(model, { calibration: { data: calibration, count: 16, source: 'fixture input, perturbed (seed 1)' }, arithmetic: { activationBits: 12 } });
      expect(pkg.header.calibration).toMatchObject({ method: 'max', weightRounding: 'gptq', outputBiasCorrection: true });
      const test = new Float32Array(50 * input.length);
      test.set(input, 0);
      test.set(perturbedBatch(input, shape, { count: 49, seed: 2 }), input.length);
      const runner = new ReferenceRunner(pkg);
      const report = compareWithFloat(runner, runReference(runner, test), floatReference(model, test), 'fixture input + 49 perturbed (seed 2)');
      console.info(`DeiT-T W8A12: top-1 agreement ${report.agreeingImages}/${report.images}, relative logit error ${(report.relativeRmsLogitError * 100).toFixed(2)}%`);
      expect(report.top1Agreement).toBeGreaterThanOrEqual(0.98);
      expect(report.relativeRmsLogitError).toBeLessThan(0.01);
    } finally {
      model.dispose();
    }
  });
});
