import { beforeAll, describe, expect, it } from 'vitest';

import { createModel, specFromTimm } from '../../models/registry';
import { isStudioError } from '../../shared/errors';
import { wrapBackbone } from '../../spvit/load';
import { parseSpvitSettings } from '../../spvit/settings';
import { initTensorBackend } from '../../tensor/backend';

import { compareWithFloat, runReference } from './accuracy';
import { runWireTensors, imageTensor, outputTensors } from './board-tensors';
import { perturbedBatch } from './calibration/perturbed-batch';
import { exportBoardPackage } from './exporter';
import { floatReference } from './float-reference';
import { quantizeImages } from './host-io';
import { decodePackage } from './package-io';
import { ReferenceRunner } from './reference-runner';

import type { BackboneModel } from '../../models/model';

const TINY = { img_size: 32, patch_size: 8, embed_dim: 64, depth: 3, num_heads: 2, num_classes: 10 };

function images(count: number, seed: number): Float32Array {
  const base = Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37 + (i % 7)) * 1.2);
  return perturbedBatch(base, [3, 32, 32], { count, seed });
}

function dense(): BackboneModel {
  return createModel(specFromTimm('VisionTransformer', TINY), { seed: 2 });
}

/** Freshly initialised selectors score every token 0.5; scaled-up weights give real decisions. */
function spvit(mode: 'average' | 'sum' | 'mean'): BackboneModel {
  const model = wrapBackbone(createModel(specFromTimm('VisionTransformer', TINY), { seed: 2 }), parseSpvitSettings({ selector: { blocks: [1, 2] }, keepRatios: [0.75, 0.5], package: { mode } }), 4);
  const weights = model.getWeights();
  for (const [key, tensor] of weights) if (key.startsWith('selectors.') && tensor.shape.length === 2) tensor.data.forEach((value, i) => (tensor.data[i] = value * 20));
  model.loadWeights(weights);
  return model;
}

describe('fixed-point package: exporter and reference runner', () => {
  beforeAll(async () => {
    await initTensorBackend({});
  });

  it('follows the float model closely (dense) and is identical with either matmul kernel', () => {
    const model = dense();
    try {
      const { bytes, pkg } = exportBoardPackage(model, { calibration: { data: images(6, 1), count: 6, source: 'test' } });
      expect(decodePackage(bytes).header).toEqual(pkg.header);
      const test = images(8, 2);
      const wasm = new ReferenceRunner(pkg);
      const js = new ReferenceRunner(decodePackage(bytes), { kernel: 'js' });
      expect(wasm.kernelName).toBe('wasm-simd');
      const fixed = runReference(wasm, test);
      expect(runReference(js, test)).toEqual(fixed);
      const report = compareWithFloat(wasm, fixed, floatReference(model, test), 'test');
      expect(report.relativeRmsLogitError).toBeLessThan(0.05);
      expect(report.top1Agreement).toBeGreaterThanOrEqual(7 / 8);
    } finally {
      model.dispose();
    }
  });

  it('runs 12-bit activations exactly alike on both kernels, closer to the float model than 8-bit', () => {
    const model = dense();
    try {
      const calibration = { data: images(6, 1), count: 6, source: 'test' };
      const test = images(8, 2);
      const float = floatReference(model, test);
      const errors = ([8, 12] as const).map((activationBits) => {
        const { bytes, pkg } = exportBoardPackage(model, { calibration, arithmetic: { activationBits }, outputBiasCorrection: false });
        expect(pkg.header.arithmetic.activationBits).toBe(activationBits);
        const wasm = new ReferenceRunner(pkg);
        const fixed = runReference(wasm, test);
        expect(runReference(new ReferenceRunner(decodePackage(bytes), { kernel: 'js' }), test)).toEqual(fixed);
        return compareWithFloat(wasm, fixed, float, 'test').relativeRmsLogitError;
      });
      expect(errors[1]).toBeLessThan((errors[0] as number) / 2);
    } finally {
      model.dispose();
    }
  });

  for (const mode of ['average', 'sum', 'mean'] as const) {
    it(`exports SPViT in top-k mode with ${mode} package tokens, keeping the float model's tokens`, () => {
      const model = spvit(mode);
      try {
        const { pkg } = exportBoardPackage(model, { calibration: { data: images(6, 3), count: 6, source: 'test' } });
        expect(pkg.header.model).toMatchObject({ selectorBlocks: [1, 2], keptTokens: [12, 8] });
        expect(pkg.header.packageMode).toBe(mode);
        const runner = new ReferenceRunner(pkg);
        const test = images(6, 4);
        const fixed = runReference(runner, test);
        fixed.forEach((output) => {
          expect(output.kept.map((kept) => kept.length)).toEqual([12, 8]);
          // Cumulative: what the second selector keeps, the first kept.
          expect(Array.from(output.kept[1] ?? []).every((index) => (output.kept[0] ?? new Int32Array()).includes(index))).toBe(true);
        });
        const report = compareWithFloat(runner, fixed, floatReference(model, test), 'test');
        expect(report.keptTokenOverlap.every((overlap) => overlap > 0.8)).toBe(true);
        expect(report.relativeRmsLogitError).toBeLessThan(0.1);
      } finally {
        model.dispose();
      }
    });
  }

  it('runs the board wire format: int8 images in, logits and kept tokens out', () => {
    const model = spvit('average');
    try {
      const runner = new ReferenceRunner(exportBoardPackage(model, { calibration: { data: images(2, 5), count: 2, source: 'test' } }).pkg);
      const quantized = quantizeImages(runner.header, images(3, 6));
      const outputs = runWireTensors(runner, [imageTensor(runner.header, quantized)]);
      expect(outputs.map((tensor) => [tensor.name, tensor.dtype, tensor.shape])).toEqual([
        ['logits', 'int32', [3, 10]],
        ['kept.0', 'int32', [3, 12]],
        ['kept.1', 'int32', [3, 8]],
      ]);
      const perImage = 3 * 32 * 32;
      const direct = [0, 1, 2].map((i) => runner.run(quantized.subarray(i * perImage, (i + 1) * perImage)));
      expect(outputs).toEqual(outputTensors(runner.header, direct));
      expect(() => runWireTensors(runner, [{ name: 'image', dtype: 'float32', shape: [1, 3, 32, 32], data: new Uint8Array(4 * perImage) }])).toThrow(/int8/);
    } finally {
      model.dispose();
    }
  });

  it('refuses backbones the board does not run, and corrupt packages', () => {
    const pit = createModel(specFromTimm('pit_ti_224'), { seed: 1 });
    try {
      expect(() => exportBoardPackage(pit, { calibration: { data: new Float32Array(3 * 224 * 224), count: 1, source: 'x' } })).toThrow(expect.objectContaining({ code: 'model/unsupported' }));
    } finally {
      pit.dispose();
    }
    const model = dense();
    try {
      const { bytes } = exportBoardPackage(model, { calibration: { data: images(1, 7), count: 1, source: 'test' } });
      const truncated = bytes.slice(0, bytes.length - 100);
      expect(() => decodePackage(truncated)).toThrow(expect.objectContaining({ code: 'data/corrupt' }));
      const garbled = bytes.slice();
      garbled[30] = 0x7b;
      const error = (() => {
        try {
          decodePackage(garbled);
          return null;
        } catch (caught) {
          return caught;
        }
      })();
      expect(isStudioError(error, 'data/corrupt')).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
