/**
 * The ViT building blocks as TFLite operators, laid out the way converters lay out timm models:
 * LayerNorm decomposed into MEAN / SQUARED_DIFFERENCE / RSQRT / MUL / ADD, linear layers as
 * FULLY_CONNECTED with [out, in] weights, attention as BATCH_MATMUL + SOFTMAX over [heads, N, d],
 * exact GELU, the patch embedding as a stride-p CONV_2D on NHWC images.
 */
import { GraphOps } from './ops';

import type { HostTensor } from '../../tensor/host-tensor';
import type { TensorId, TfliteGraph } from './graph';
import type { WeightTable } from './weights';

/** Shape facts of one transformer block. */
export interface BlockShape {
  dim: number;
  heads: number;
  mlpHidden: number;
  normEps: number;
  /** LayerScale gammas present (`ls1.gamma`, `ls2.gamma`). */
  layerScale: boolean;
}

export class VitLayers extends GraphOps {
  readonly weights: WeightTable;

  constructor(graph: TfliteGraph, weights: WeightTable) {
    super(graph);
    this.weights = weights;
  }

  /** A constant from the weight table under its timm key. */
  param(key: string, shape?: readonly number[]): TensorId {
    const host = this.weights.get(key);
    return this.graph.constant(key, shape ?? host.shape, host.data);
  }

  hostConstant(name: string, host: HostTensor): TensorId {
    return this.graph.constant(name, host.shape, host.data);
  }

  scalar(name: string, value: number): TensorId {
    return this.graph.constant(name, [1], Float32Array.of(value));
  }

  /** (x - mean) * rsqrt(var + eps) * gamma + beta over the last axis; weights `<key>.weight|bias`. */
  layerNorm(x: TensorId, key: string, eps: number): TensorId {
    const mean = this.mean(x, { axes: [-1], keepDims: true, name: `${key}/mean` });
    const squared = this.squaredDifference(x, mean, `${key}/squared`);
    const variance = this.mean(squared, { axes: [-1], keepDims: true, name: `${key}/variance` });
    const inverse = this.rsqrt(this.add(variance, this.scalar(`${key}/eps`, eps), `${key}/variance_eps`), `${key}/rsqrt`);
    const normalized = this.mul(this.sub(x, mean, `${key}/centered`), inverse, `${key}/normalized`);
    return this.add(this.mul(normalized, this.param(`${key}.weight`), `${key}/scaled`), this.param(`${key}.bias`), `${key}/output`);
  }

  /** FULLY_CONNECTED with `<key>.weight` [out, in] and `<key>.bias` when the model has one. */
  linear(x: TensorId, key: string): TensorId {
    const bias = this.weights.has(`${key}.bias`) ? this.param(`${key}.bias`) : null;
    return this.fullyConnected(x, this.param(`${key}.weight`), bias, `${key}/output`);
  }

  /** timm Attention on x [1, N, D]: qkv, per-head softmax(q k^T / sqrt(d)) v, proj. */
  attention(x: TensorId, key: string, shape: BlockShape): TensorId {
    const tokens = this.shape(x)[1] as number;
    const headDim = shape.dim / shape.heads;
    const qkv = this.linear(x, `${key}.qkv`);
    const split = this.reshape(qkv, [tokens, 3, shape.heads, headDim], `${key}/qkv_split`);
    const stacked = this.transpose(split, [1, 2, 0, 3], `${key}/qkv_heads`);
    const part = (index: number, name: string): TensorId =>
      this.stridedSlice(stacked, { begin: [index, 0, 0, 0], end: [index + 1, shape.heads, tokens, headDim], shrinkAxes: [0] }, `${key}/${name}`);
    const q = this.mul(part(0, 'q'), this.scalar(`${key}/scale`, headDim ** -0.5), `${key}/q_scaled`);
    const scores = this.batchMatMul(q, part(1, 'k'), { adjY: true, name: `${key}/scores` });
    const weights = this.softmax(scores, `${key}/softmax`);
    const context = this.batchMatMul(weights, part(2, 'v'), { name: `${key}/context` });
    const merged = this.transpose(context, [1, 0, 2], `${key}/context_tokens`);
    return this.linear(this.reshape(merged, [1, tokens, shape.dim], `${key}/context_flat`), `${key}.proj`);
  }

  #scaled(x: TensorId, key: string, enabled: boolean): TensorId {
    return enabled ? this.mul(x, this.param(key), `${key}/scaled`) : x;
  }

  /** timm's pre-norm Block: x + ls1(attn(norm1(x))), then + ls2(mlp(norm2(x))). */
  block(x: TensorId, key: string, shape: BlockShape): TensorId {
    const attended = this.#scaled(this.attention(this.layerNorm(x, `${key}.norm1`, shape.normEps), `${key}.attn`, shape), `${key}.ls1.gamma`, shape.layerScale);
    const residual = this.add(x, attended, `${key}/residual1`);
    const hidden = this.gelu(this.linear(this.layerNorm(residual, `${key}.norm2`, shape.normEps), `${key}.mlp.fc1`), `${key}/mlp/gelu`);
    const mlp = this.#scaled(this.linear(hidden, `${key}.mlp.fc2`), `${key}.ls2.gamma`, shape.layerScale);
    return this.add(residual, mlp, `${key}/residual2`);
  }

  /** NHWC image [1, H, W, C] -> patch tokens [1, (H/p)(W/p), D]; timm's [D, C, p, p] kernel becomes [D, p, p, C]. */
  patchEmbed(image: TensorId, key: string, patchSize: number): TensorId {
    const kernel = this.weights.get(`${key}.proj.weight`);
    const [dim, channels, p] = kernel.shape as [number, number, number, number];
    const ohwi = new Float32Array(kernel.data.length);
    for (let o = 0; o < dim; o += 1) {
      for (let c = 0; c < channels; c += 1) {
        for (let y = 0; y < p; y += 1) {
          for (let x = 0; x < p; x += 1) ohwi[((o * p + y) * p + x) * channels + c] = kernel.data[((o * channels + c) * p + y) * p + x] as number;
        }
      }
    }
    const filter = this.graph.constant(`${key}.proj.weight`, [dim, p, p, channels], ohwi);
    // TFLite's CONV_2D requires a bias (FULLY_CONNECTED does not): timm drops it under pre_norm.
    const bias = this.weights.has(`${key}.proj.bias`) ? this.param(`${key}.proj.bias`) : this.graph.constant(`${key}.proj.bias`, [dim], new Float32Array(dim));
    const grid = this.conv2d(image, filter, bias, { stride: patchSize, padding: 'valid', name: `${key}/conv` });
    const [, gh, gw] = this.shape(grid) as [number, number, number, number];
    return this.reshape(grid, [1, gh * gw, dim], `${key}/tokens`);
  }
}
