/**
 * The export node in a tiny pipeline (sample data, a 3-block ViT with selectors before blocks 1
 * and 2, one dense and one SPViT epoch): the .tflite is described and runs in LiteRT (with the
 * studio's topk logits once the selectors' scores are spread apart); the board package decodes and records its calibration; unsupported settings fail
 * with a code, the field and a hint before any work.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readPackageHeader } from '../../export/board/index';
import { nchwToNhwc } from '../../export/tflite/export-model';
import { compareOutputs } from '../../export/tflite/verify/compare';
import { LiteRtRunner } from '../../export/tflite/verify/litert-runner';
import { NEVER_ABORTED } from '../../shared/abort';
import { loadSpvitCheckpoint, saveSpvitCheckpoint } from '../../spvit/checkpoint';
import { initTensorBackend } from '../../tensor/backend';
import { createCoreExecutorRegistry } from '../core-executors';
import { ExportNodeConfigSchema } from '../node-configs';
import { runPipeline } from '../runner';
import { validatePipeline } from '../validate';

import { openDatasetValue } from './dataset';
import { createExportExecutor } from './export';
import { registerTrainingExecutors } from './train-executors';

import type { RunReport } from '../run-folder';
import type { DatasetValue } from '../port-values';

const pipeline = {
  version: 1,
  name: 'tiny export',
  nodes: [
    { id: 'data', kind: 'dataset', config: { source: { kind: 'sample' }, input: { height: 28, width: 28, channels: 1 }, valFraction: 0.2, seed: 0, trainLimit: 96, testLimit: 32 } },
    { id: 'vit', kind: 'backbone', config: { model: 'VisionTransformer', kwargs: { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2 } } },
    {
      id: 'train',
      kind: 'train',
      config: {
        seed: 0,
        workers: 1,
        dense: { epochs: 1, batchSize: 32, lr: 0.002, warmupEpochs: 0 },
        spvit: { epochs: 1, batchSize: 32, lr: 0.002, backboneFreezeEpochs: 0, selector: { blocks: [1, 2] }, keepRatios: [0.6, 0.3], calibrationImages: 32 },
      },
    },
    { id: 'tflite', kind: 'export', config: { format: 'tflite', precision: 'fp32', inferenceMode: 'topk' } },
    { id: 'board', kind: 'export', config: { format: 'board', precision: 'int8', calibrationImages: 8 } },
  ],
  edges: [
    { from: { node: 'data', port: 'dataset' }, to: { node: 'train', port: 'dataset' } },
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'train', port: 'backbone' } },
    { from: { node: 'train', port: 'model' }, to: { node: 'tflite', port: 'model' } },
    { from: { node: 'train', port: 'model' }, to: { node: 'board', port: 'model' } },
  ],
};

type Artifact = Record<string, unknown> & { path: string; bytes: number; sha256: string; tokensPerBlock: number[]; model: { weightsPath: string; keepRatios: number[] } };

let root: string;
let report: RunReport;

function artifact(nodeId: string): Artifact {
  return report.nodes[nodeId]?.outputs?.['artifact'] as Artifact;
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'spvit-export-'));
  const registry = registerTrainingExecutors(createCoreExecutorRegistry(), { workers: 0 });
  registry.register(createExportExecutor({ checkImages: 8 }));
  report = await runPipeline({ pipeline: validatePipeline(pipeline), runDir: join(root, 'run'), registry });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('export node, tflite', () => {
  it('writes model.tflite into its node folder and describes it', async () => {
    expect(report.status).toBe('succeeded');
    const value = artifact('tflite');
    expect(value.path).toBe(join(root, 'run', 'nodes', 'tflite', 'model.tflite'));
    const bytes = await readFile(value.path);
    expect(value).toMatchObject({ format: 'tflite', precision: 'fp32', architecture: 'spvit-vit', mode: 'topk', bytes: bytes.length });
    expect(value.sha256).toBe(await sha256Of(value.path));
    // 16 patches + CLS; then CLS + round(0.6 * 16) kept + 1 package; then CLS + round(0.3 * 16) + 2 packages.
    expect(value.tokensPerBlock).toEqual([17, 12, 8]);
    expect(value['input']).toEqual({ name: 'image', shape: [1, 28, 28, 1], layout: 'NHWC', dtype: 'float32' });
    expect(value['output']).toEqual({ shape: [1, 10], dtype: 'float32' });
    expect(Object.values(value['operators'] as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(value.model.weightsPath).toBe(join(root, 'run', 'model.safetensors'));
    expect(value.model.keepRatios).toEqual([0.6, 0.3]);
  });

  it('runs in LiteRT with the logits of the exported model in topk mode', async () => {
    // A tiny run leaves every token with the same keep score, so which tokens topk keeps would be
    // decided by tie-breaking: spread the selector weights, save, and export that checkpoint.
    const trained = artifact('tflite');
    const model = await loadSpvitCheckpoint(trained.model.weightsPath);
    const runner = await LiteRtRunner.start();
    try {
      for (const entry of model.parameters()) {
        if (entry.key.startsWith('selectors.')) entry.variable.assign(tf.randomNormal(entry.variable.shape, 0, 0.2, 'float32', entry.key.length));
      }
      const spreadDir = join(root, 'spread');
      await mkdir(spreadDir);
      const weightsPath = join(spreadDir, 'model.safetensors');
      await saveSpvitCheckpoint(model, weightsPath);
      const modelValue = { ...(report.nodes['train']?.outputs?.['model'] as Record<string, unknown>), weightsPath };
      const context = { node: { id: 'spread', kind: 'export', config: ExportNodeConfigSchema.parse({ format: 'tflite' }) }, pipeline, inputs: { model: modelValue }, nodeDir: spreadDir, signal: NEVER_ABORTED, progress: () => undefined, metrics: { write: () => undefined } };
      const outputs = await createExportExecutor().execute(context as never);
      const value = outputs['artifact'] as Artifact;
      expect(value.model.weightsPath).toBe(weightsPath);
      const file = new Uint8Array(await readFile(value.path));
      const { test } = await openDatasetValue(report.nodes['data']?.outputs?.['dataset'] as DatasetValue);
      const perImage = 28 * 28;
      const batch = test.getBatch([0, 1, 2, 3]);
      for (let i = 0; i < batch.shape[0]; i += 1) {
        const pixels = batch.images.slice(i * perImage, (i + 1) * perImage);
        const reference = tf.tidy(() => model.infer(tf.tensor4d(pixels, [1, 1, 28, 28]), { mode: 'topk' }).logits.dataSync() as Float32Array);
        const [output] = await runner.run(file, [{ shape: [1, 28, 28, 1], dtype: 'float32', data: nchwToNhwc(pixels, [1, 28, 28]) }]);
        const comparison = compareOutputs(output?.data ?? [], reference);
        expect(comparison.sameTopClass).toBe(true);
        expect(comparison.maxRelativeError).toBeLessThan(1e-4);
      }
      // The pipeline's own file loads and runs too (its logits depend on tie-breaking, see above).
      const [own] = await runner.run(new Uint8Array(await readFile(trained.path)), [{ shape: [1, 28, 28, 1], dtype: 'float32', data: nchwToNhwc(batch.images.slice(0, perImage), [1, 28, 28]) }]);
      expect(own?.shape).toEqual([1, 10]);
      expect(Array.from(own?.data ?? []).every(Number.isFinite)).toBe(true);
    } finally {
      await runner.close();
      model.dispose();
    }
  });
});

describe('export node, board', () => {
  it('writes the fixed-point package, calibrated on the training images, with its accuracy check beside it', async () => {
    const value = artifact('board');
    expect(value.path).toBe(join(root, 'run', 'nodes', 'board', 'model.spvit-fxp'));
    const bytes = new Uint8Array(await readFile(value.path));
    expect(value).toMatchObject({ format: 'board', precision: 'int8', architecture: 'spvit-vit', arch: 'VisionTransformer', mode: 'topk', bytes: bytes.length, selectorBlocks: [1, 2], keptTokens: [10, 5] });
    expect(value.sha256).toBe(await sha256Of(value.path));
    expect(value.tokensPerBlock).toEqual(artifact('tflite').tokensPerBlock);
    const { header } = readPackageHeader(bytes);
    expect(header.calibration).toMatchObject({ images: 8, source: expect.stringMatching(/^sample train split \(8 images spread over \d+\)$/) });
    expect(header.model.keptTokens).toEqual([10, 5]);
    const accuracy = JSON.parse(await readFile(`${value.path}.accuracy.json`, 'utf8')) as { images: number; top1Agreement: number };
    expect(value['accuracyPath']).toBe(`${value.path}.accuracy.json`);
    expect(accuracy.images).toBe(8);
    expect(value['accuracy']).toEqual(accuracy);
  });
});

describe('export node, settings it cannot honour', () => {
  async function refusal(config: Record<string, unknown>): Promise<unknown> {
    const executor = createExportExecutor();
    // No model file exists: the refusal must come before any reading.
    const context = {
      node: { id: 'out', kind: 'export', config: ExportNodeConfigSchema.parse(config) },
      inputs: { model: { dir: '/nowhere', weightsPath: '/nowhere/model.safetensors', spvit: { keepRatios: [0.5] } } },
      nodeDir: '/nowhere',
      signal: NEVER_ABORTED,
      progress: () => undefined,
      metrics: { write: () => undefined },
    };
    return executor.execute(context as never).catch((error: unknown) => error);
  }

  it('refuses fp16 and int8 TFLite, naming the field, with a hint', async () => {
    for (const precision of ['fp16', 'int8']) {
      const error = await refusal({ format: 'tflite', precision });
      expect(error).toMatchObject({ code: 'not-implemented', details: { nodeId: 'out', field: 'config.precision', precision } });
      expect((error as { hint?: string }).hint).toContain("'fp32'");
    }
  });

  it('refuses the argmax mode, whose token counts vary per image', async () => {
    const error = await refusal({ format: 'board', precision: 'int8', inferenceMode: 'argmax' });
    expect(error).toMatchObject({ code: 'not-implemented', details: { nodeId: 'out', field: 'config.inferenceMode' } });
    expect((error as { hint?: string }).hint).toContain("'topk'");
  });
});
