import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../main';

let dir: string;
let pipelineFile: string;

/** Sample data, a 3-block ViT with selectors before blocks 1 and 2, an analytic LUT, evaluation, a TFLite export. */
const pipeline = {
  version: 1,
  name: 'tiny cli run',
  nodes: [
    { id: 'data', kind: 'dataset', config: { source: { kind: 'sample' }, input: { height: 28, width: 28, channels: 1 }, valFraction: 0.2, seed: 0, trainLimit: 160, testLimit: 64 } },
    { id: 'vit', kind: 'backbone', config: { model: 'VisionTransformer', kwargs: { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2 } } },
    { id: 'lut', kind: 'latency-table', config: { source: 'analytic', roofline: { gflops: 0.5, perOpOverheadMs: 0.0001, tileTokens: 1 } } },
    {
      id: 'train',
      kind: 'train',
      config: {
        seed: 0,
        workers: 1,
        dense: { epochs: 2, batchSize: 32, lr: 0.002, warmupEpochs: 0 },
        spvit: { epochs: 1, batchSize: 32, lr: 0.002, backboneFreezeEpochs: 0, selector: { blocks: [1, 2] }, budget: { fractionOfDense: 0.8 }, minKeepRatio: 0.2 },
      },
    },
    { id: 'test', kind: 'evaluate', config: { split: 'test', visualise: 2 } },
    { id: 'phone', kind: 'export', config: { format: 'tflite', precision: 'fp32', inferenceMode: 'topk' } },
  ],
  edges: [
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'lut', port: 'backbone' } },
    { from: { node: 'data', port: 'dataset' }, to: { node: 'train', port: 'dataset' } },
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'train', port: 'backbone' } },
    { from: { node: 'lut', port: 'lut' }, to: { node: 'train', port: 'lut' } },
    { from: { node: 'train', port: 'model' }, to: { node: 'test', port: 'model' } },
    { from: { node: 'lut', port: 'lut' }, to: { node: 'test', port: 'lut' } },
    { from: { node: 'train', port: 'model' }, to: { node: 'phone', port: 'model' } },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spvit-run-'));
  pipelineFile = join(dir, 'tiny.spvit.json');
  await writeFile(pipelineFile, JSON.stringify(pipeline));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], stopWhen?: RegExp): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const controller = new AbortController();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (stopWhen !== undefined && stopWhen.test(err)) controller.abort();
  });
  const code = await runCli(argv, { stdout, stderr, signal: controller.signal });
  return { code, stdout: out, stderr: err };
}

describe('spvit run', () => {
  it('runs a pipeline headless, is stopped mid-training, and resumes the run folder to the end', async () => {
    const out = join(dir, 'run');
    const stopped = await cli(['run', pipelineFile, '--out', out, '--workers', '0', '--backend', 'wasm'], /train: dense epoch 1\.00/);
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr).toMatch(/cancelled/);
    expect(existsSync(join(out, 'nodes', 'train', 'dense-checkpoint.safetensors'))).toBe(true);

    const resumed = await cli(['run', pipelineFile, '--out', out, '--workers', '0', '--backend', 'wasm']);
    expect(resumed.stderr).toContain('(resuming)');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/run succeeded/);
    expect(resumed.stdout).toMatch(/accuracy +dense \d+\.\d+% +pruned \d+\.\d+%/);
    expect(resumed.stderr).not.toContain('skipping');
    expect(resumed.stdout).toMatch(/artifact +phone \(tflite\): .*model\.tflite, \d+\.\d+ MB/);
    expect(existsSync(join(out, 'nodes', 'phone', 'model.tflite'))).toBe(true);
    for (const file of ['pipeline.json', 'metrics.jsonl', 'lut.json', 'model.safetensors', 'report.json']) expect(existsSync(join(out, file))).toBe(true);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    expect(metrics).toContain('"name":"dense/resumed-from-step"');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, unknown> & { keepRatio: { target: number[]; achieved: number[] }; lut: { source: string } };
    expect(report['status']).toBe('succeeded');
    expect(report.keepRatio.target).toHaveLength(2);
    expect(report.keepRatio.achieved).toHaveLength(2);
    expect(report.lut.source).toBe('analytic');
    expect(report).toMatchObject({ latencyMs: { measured: null } });

    const again = await cli(['run', pipelineFile, '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already holds a finished run');

    // An edited pipeline re-runs what changed (here only the evaluate node) in the same folder.
    const edited = join(dir, 'edited.spvit.json');
    await writeFile(edited, JSON.stringify({ ...pipeline, nodes: pipeline.nodes.map((node) => (node.id === 'test' ? { ...node, config: { split: 'test', visualise: 3 } } : node)) }));
    const rerun = await cli(['run', edited, '--out', out, '--workers', '0', '--backend', 'wasm']);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain('pipeline changed');
    expect(rerun.stderr).not.toMatch(/train: dense epoch/);
    expect(rerun.stderr).toMatch(/test \(evaluate\) started/);
  });

  it('names a missing pipeline file', async () => {
    const result = await cli(['run', join(dir, 'missing.spvit.json')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/error \[input\/not-found\]/);
  });
});
