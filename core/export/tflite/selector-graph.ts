/**
 * SPViT's multi-head token selector (core/spvit/selector.ts) as TFLite operators, for inference
 * with every candidate alive (batch 1, no padding, which is what the `topk` mode exports). It
 * computes only the keep probability, which is all topk and the package token use:
 *   keep = sum_h a_h softmax(l_h)[keep] / sum_h a_h,  softmax(l)[keep] = sigmoid(l_keep - l_drop).
 * Two exact rewrites keep the graph static and small: the global half of fc1's input is a mean
 * over tokens, so fc1(concat(local, global)) = fc1_local(local) + fc1_global(mean) (no tiling), and
 * fc3 [2, d/4] folds into one row w_keep - w_drop feeding a LOGISTIC.
 */
import type { HostTensor } from '../../tensor/host-tensor';
import type { TensorId } from './graph';
import type { VitLayers } from './vit-layers';

export interface SelectorShape {
  dim: number;
  heads: number;
  sharedHeadWeights: boolean;
  normEps: number;
}

function columns(host: HostTensor, from: number, to: number): HostTensor {
  const [rows, cols] = host.shape as [number, number];
  const width = to - from;
  const data = new Float32Array(rows * width);
  for (let r = 0; r < rows; r += 1) data.set(host.data.subarray(r * cols + from, r * cols + to), r * width);
  return { shape: [rows, width], data };
}

/** The keep-minus-drop row of a [2, n] layer (and its bias). */
function marginRow(weight: HostTensor, bias: HostTensor): { weight: HostTensor; bias: HostTensor } {
  const n = weight.shape[1] as number;
  const row = new Float32Array(n);
  for (let i = 0; i < n; i += 1) row[i] = (weight.data[i] as number) - (weight.data[n + i] as number);
  return { weight: { shape: [1, n], data: row }, bias: { shape: [1], data: Float32Array.of((bias.data[0] as number) - (bias.data[1] as number)) } };
}

/** One scorer on heads [1, M, h, d]: the per-head keep probability [1, M, h, 1]. */
function scorerKeep(layers: VitLayers, heads: TensorId, key: string, normEps: number): TensorId {
  const [, tokens, count, headDim] = layers.shape(heads) as [number, number, number, number];
  const half = headDim / 2;
  const embedded = layers.gelu(layers.linear(layers.layerNorm(heads, `${key}.norm`, normEps), `${key}.proj`), `${key}/embedded`);
  const local = layers.slice(embedded, [0, 0, 0, 0], [1, tokens, count, half], `${key}/local`);
  const globalHalf = layers.slice(embedded, [0, 0, 0, half], [1, tokens, count, half], `${key}/global`);
  const pooled = layers.mean(globalHalf, { axes: [1], keepDims: true, name: `${key}/global_mean` });
  const fc1 = layers.weights.get(`${key}.fc1.weight`);
  const fc1Local = layers.hostConstant(`${key}.fc1.weight/local`, columns(fc1, 0, half));
  const fc1Global = layers.hostConstant(`${key}.fc1.weight/global`, columns(fc1, half, headDim));
  const hidden1 = layers.add(
    layers.fullyConnected(local, fc1Local, layers.param(`${key}.fc1.bias`), `${key}/fc1_local`),
    layers.fullyConnected(pooled, fc1Global, null, `${key}/fc1_global`),
    `${key}/fc1`,
  );
  const hidden2 = layers.gelu(layers.linear(layers.gelu(hidden1, `${key}/fc1_gelu`), `${key}.fc2`), `${key}/fc2_gelu`);
  const margin = marginRow(layers.weights.get(`${key}.fc3.weight`), layers.weights.get(`${key}.fc3.bias`));
  const logit = layers.fullyConnected(hidden2, layers.hostConstant(`${key}.fc3.margin_weight`, margin.weight), layers.hostConstant(`${key}.fc3.margin_bias`, margin.bias), `${key}/margin`);
  return layers.logistic(logit, `${key}/keep`);
}

/** candidates [1, M, C] (every token but CLS, packages included) -> keep probability [1, M]. */
export function selectorKeepProbability(layers: VitLayers, candidates: TensorId, key: string, shape: SelectorShape): TensorId {
  const tokens = layers.shape(candidates)[1] as number;
  const headDim = shape.dim / shape.heads;
  const heads = layers.reshape(candidates, [1, tokens, shape.heads, headDim], `${key}/heads`);
  const perHead = shape.sharedHeadWeights
    ? scorerKeep(layers, heads, `${key}.scorer`, shape.normEps)
    : layers.concat(
        Array.from({ length: shape.heads }, (_, h) =>
          scorerKeep(layers, layers.slice(heads, [0, 0, h, 0], [1, tokens, 1, headDim], `${key}/head${h}`), `${key}.scorer.${h}`, shape.normEps),
        ),
        2,
        `${key}/heads_keep`,
      );
  const keep = layers.reshape(perHead, [1, tokens, shape.heads], `${key}/keep_per_head`);
  // With one head the gate's weight cancels in the weighted mean (and its fc1 has no outputs).
  if (shape.heads === 1) return layers.reshape(keep, [1, tokens], `${key}/keep_probability`);
  const pooled = layers.mean(heads, { axes: [-1], keepDims: false, name: `${key}/gate_input` });
  const gate = layers.logistic(layers.linear(layers.gelu(layers.linear(pooled, `${key}.gate.fc1`), `${key}/gate_gelu`), `${key}.gate.fc2`), `${key}/gate`);
  const weighted = layers.sum(layers.mul(gate, keep, `${key}/weighted`), { axes: [2], keepDims: false, name: `${key}/weighted_sum` });
  const total = layers.sum(gate, { axes: [2], keepDims: false, name: `${key}/gate_sum` });
  return layers.div(weighted, total, `${key}/keep_probability`);
}
