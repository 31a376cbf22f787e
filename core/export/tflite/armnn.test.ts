/**
 * A second, independent reader: Arm NN 20.08's TFLite parser (Debian python3-pyarmnn with the
 * CpuRef backend, libarmnn-cpuref-backend22). Arm NN 20.08 parses only a subset of TFLite: no
 * BATCH_MATMUL, GELU, RSQRT, SQUARED_DIFFERENCE, GATHER, TOPK_V2, SUM or REDUCE_MAX, and
 * FULLY_CONNECTED without keep_num_dims. So it cannot run a transformer block, a selector or a head
 * (LayerNorm needs RSQRT); it runs the patch-embed micro-model (CONV_2D, RESHAPE, CONCATENATION,
 * ADD) and a graph of every other operator it knows, which checks those operators' option tables.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createModel, specFromTimm } from '../../models/registry';
import { initTensorBackend } from '../../tensor/backend';

import { nchwToNhwc } from './export-model';
import { TfliteGraph } from './graph';
import { buildMicroModel } from './micro-models';
import { GraphOps } from './ops';
import { microModelSource } from './profiling-source';
import { compareOutputs } from './verify/compare';
import { writeTflite } from './write-flatbuffer';

import type { VisionTransformer } from '../../models/vit/model';

const PYTHON = '/usr/bin/python3';
const CPU_REF_BACKEND = '/usr/lib/x86_64-linux-gnu/armnn22/Arm_CpuRef_backend.so';
const run = promisify(execFile);

/** Runs a model on Arm NN's CpuRef backend with one float input; prints the outputs as JSON. */
const ARMNN_SCRIPT = `
import json, sys
import numpy as np
import pyarmnn as ann
model, data = sys.argv[1], sys.argv[2]
parser = ann.ITfLiteParser()
network = parser.CreateNetworkFromBinaryFile(model)
runtime = ann.IRuntime(ann.CreationOptions())
optimized, _ = ann.Optimize(network, [ann.BackendId('CpuRef')], runtime.GetDeviceSpec(), ann.OptimizerOptions())
network_id, _ = runtime.LoadNetwork(optimized)
inputs = [parser.GetNetworkInputBindingInfo(0, name) for name in parser.GetSubgraphInputTensorNames(0)]
outputs = [parser.GetNetworkOutputBindingInfo(0, name) for name in parser.GetSubgraphOutputTensorNames(0)]
values = np.fromfile(data, dtype=np.float32)
output_tensors = ann.make_output_tensors(outputs)
runtime.EnqueueWorkload(network_id, ann.make_input_tensors(inputs, [values]), output_tensors)
print(json.dumps([array.ravel().tolist() for array in ann.workload_tensors_to_ndarray(output_tensors)]))
`;

/** Like requireTool: skip on a developer machine without Arm NN, fail in CI. */
function armnnAvailable(): boolean {
  const missing = [PYTHON, CPU_REF_BACKEND].filter((path) => !existsSync(path));
  if (missing.length === 0) return true;
  const message = `Arm NN not usable (${missing.join(', ')} missing): install python3-pyarmnn and libarmnn-cpuref-backend22.`;
  if (process.env.CI === 'true') throw new Error(`${message} CI must not skip this test.`);
  console.warn(`skipping: ${message}`);
  return false;
}

const available = armnnAvailable();

describe.skipIf(!available)('Arm NN 20.08 reads the exported files', () => {
  let dir: string;

  beforeAll(async () => {
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
    dir = await mkdtemp(join(tmpdir(), 'spvit-armnn-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function armnn(bytes: Uint8Array, input: Float32Array): Promise<number[][]> {
    const model = join(dir, 'model.tflite');
    const data = join(dir, 'input.bin');
    await writeFile(model, bytes);
    await writeFile(data, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
    const { stdout } = await run(PYTHON, ['-c', ARMNN_SCRIPT, model, data], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as number[][];
  }

  it('runs the patch-embed micro-model with the tfjs embedding (conv kernel layout, class token, position embedding)', async () => {
    const model = createModel(specFromTimm('VisionTransformer', { img_size: 32, patch_size: 8, embed_dim: 24, depth: 1, num_heads: 2, num_classes: 3 }), { seed: 4 });
    try {
      const pixels = tf.tidy(() => tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 3).dataSync() as Float32Array);
      const expected = tf.tidy(() => (model as VisionTransformer).embed(tf.tensor4d(pixels, [1, 3, 32, 32])).dataSync() as Float32Array);
      const micro = buildMicroModel(microModelSource(model), 'patch-embed', 17);
      const [output] = await armnn(micro.bytes, nchwToNhwc(pixels, [3, 32, 32]));
      expect(compareOutputs(output!, expected).maxRelativeError).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('runs FULLY_CONNECTED, LOGISTIC, MEAN, SUB, MAXIMUM, MUL, SOFTMAX, TRANSPOSE, STRIDED_SLICE, SLICE, RESHAPE, NEG, CONCATENATION, DIV with the expected values', async () => {
    const graph = new TfliteGraph();
    const ops = new GraphOps(graph);
    const weights = Float32Array.from({ length: 32 }, (_, i) => Math.cos(i));
    const bias = Float32Array.of(0.1, -0.2, 0.3, 0);
    const x = graph.input('x', [1, 6, 8]);
    // Arm NN 20.08 has no keep_num_dims: its FULLY_CONNECTED takes a 2-D input.
    let y = ops.fullyConnected(ops.reshape(x, [6, 8], 'flat'), graph.constant('w', [4, 8], weights), graph.constant('b', [4], bias), 'fc');
    y = ops.logistic(ops.reshape(y, [1, 6, 4], 'fc3d'), 'sigmoid');
    const mean = ops.mean(y, { axes: [-1], keepDims: true, name: 'mean' });
    y = ops.softmax(ops.mul(ops.sub(y, mean, 'centered'), ops.maximum(mean, graph.constant('half', [1], Float32Array.of(0.5)), 'floor'), 'scaled'), 'softmax');
    y = ops.transpose(y, [0, 2, 1], 'transposed');
    const row = ops.stridedSlice(y, { begin: [0, 1, 0], end: [1, 2, 6], shrinkAxes: [1] }, 'row');
    const first = ops.reshape(ops.slice(y, [0, 0, 0], [1, 1, 6], 'first'), [1, 6], 'first_flat');
    graph.markOutput(ops.div(ops.concat([row, ops.neg(first, 'negated')], 1, 'joined'), graph.constant('two', [1], Float32Array.of(2)), 'output'));
    const input = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i));
    const expected = tf.tidy(() => {
      let t: tf.Tensor = tf.add(tf.matMul(tf.tensor2d(input, [6, 8]), tf.tensor2d(weights, [4, 8]), false, true), tf.tensor1d(bias));
      t = tf.sigmoid(tf.reshape(t, [1, 6, 4]));
      const m = tf.mean(t, -1, true);
      t = tf.softmax(tf.mul(tf.sub(t, m), tf.maximum(m, 0.5)), -1);
      t = tf.transpose(t, [0, 2, 1]);
      const joined = tf.concat([tf.reshape(tf.slice(t, [0, 1, 0], [1, 1, 6]), [1, 6]), tf.neg(tf.reshape(tf.slice(t, [0, 0, 0], [1, 1, 6]), [1, 6]))], 1);
      return tf.div(joined, 2).dataSync() as Float32Array;
    });
    const [output] = await armnn(writeTflite(graph, 'armnn operator check'), input);
    expect(compareOutputs(output!, expected).maxRelativeError).toBeLessThan(1e-5);
  });
});
