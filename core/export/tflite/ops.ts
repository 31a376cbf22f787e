/**
 * Operators with their output shapes worked out (and checked) as TFLite computes them, so graph
 * code states only what it means: `ops.add(x, y, 'name')`. Every method returns the new tensor.
 */
import { BugError } from '../../shared/errors';

import type { TensorId, TfliteGraph } from './graph';
import type { OperatorName } from './schema';

function broadcast(a: readonly number[], b: readonly number[], what: string): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new BugError(`${what}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast.`);
    return Math.max(x, y);
  });
}

function axisOf(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export class GraphOps {
  readonly graph: TfliteGraph;

  constructor(graph: TfliteGraph) {
    this.graph = graph;
  }

  shape(id: TensorId): number[] {
    return this.graph.shapeOf(id);
  }

  #unary(op: OperatorName, x: TensorId, name: string): TensorId {
    const out = this.graph.activation(name, this.shape(x));
    this.graph.operator(op, [x], [out], op === 'GELU' ? { kind: 'gelu', approximate: false } : null);
    return out;
  }

  #binary(op: OperatorName, a: TensorId, b: TensorId, name: string): TensorId {
    const out = this.graph.activation(name, broadcast(this.shape(a), this.shape(b), `${op} ${name}`), this.graph.tensor(a).type);
    this.graph.operator(op, [a, b], [out]);
    return out;
  }

  add(a: TensorId, b: TensorId, name: string): TensorId {
    return this.#binary('ADD', a, b, name);
  }

  sub(a: TensorId, b: TensorId, name: string): TensorId {
    return this.#binary('SUB', a, b, name);
  }

  mul(a: TensorId, b: TensorId, name: string): TensorId {
    return this.#binary('MUL', a, b, name);
  }

  div(a: TensorId, b: TensorId, name: string): TensorId {
    return this.#binary('DIV', a, b, name);
  }

  maximum(a: TensorId, b: TensorId, name: string): TensorId {
    return this.#binary('MAXIMUM', a, b, name);
  }

  squaredDifference(a: TensorId, b: TensorId, name: string): TensorId {
    return this.#binary('SQUARED_DIFFERENCE', a, b, name);
  }

  rsqrt(x: TensorId, name: string): TensorId {
    return this.#unary('RSQRT', x, name);
  }

  /** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), as timm's nn.GELU. */
  gelu(x: TensorId, name: string): TensorId {
    return this.#unary('GELU', x, name);
  }

  floor(x: TensorId, name: string): TensorId {
    return this.#unary('FLOOR', x, name);
  }

  logistic(x: TensorId, name: string): TensorId {
    return this.#unary('LOGISTIC', x, name);
  }

  /** int32 or float negation. */
  neg(x: TensorId, name: string): TensorId {
    const out = this.graph.activation(name, this.shape(x), this.graph.tensor(x).type);
    this.graph.operator('NEG', [x], [out]);
    return out;
  }

  /** Softmax over the last axis (beta 1). */
  softmax(x: TensorId, name: string): TensorId {
    const out = this.graph.activation(name, this.shape(x));
    this.graph.operator('SOFTMAX', [x], [out], { kind: 'softmax', beta: 1 });
    return out;
  }

  #reduce(op: 'MEAN' | 'SUM' | 'REDUCE_MAX', x: TensorId, options: { axes: number[]; keepDims: boolean; name: string }): TensorId {
    const shape = this.shape(x);
    const axes = options.axes.map((axis) => axisOf(axis, shape.length));
    const outShape = options.keepDims ? shape.map((dim, i) => (axes.includes(i) ? 1 : dim)) : shape.filter((_, i) => !axes.includes(i));
    const out = this.graph.activation(options.name, outShape);
    // Axes are written non-negative: some readers (Arm NN 20.08) mishandle negative ones.
    const axesTensor = this.graph.ints(`${options.name}/axes`, axes);
    this.graph.operator(op, [x, axesTensor], [out], { kind: 'reducer', keepDims: options.keepDims });
    return out;
  }

  mean(x: TensorId, options: { axes: number[]; keepDims: boolean; name: string }): TensorId {
    return this.#reduce('MEAN', x, options);
  }

  sum(x: TensorId, options: { axes: number[]; keepDims: boolean; name: string }): TensorId {
    return this.#reduce('SUM', x, options);
  }

  reduceMax(x: TensorId, options: { axes: number[]; keepDims: boolean; name: string }): TensorId {
    return this.#reduce('REDUCE_MAX', x, options);
  }

  /** x [..., in] times weight [out, in] (TFLite and torch layout) plus bias [out]; keeps x's leading dims. */
  fullyConnected(x: TensorId, weight: TensorId, bias: TensorId | null, name: string): TensorId {
    const shape = this.shape(x);
    const [outFeatures, inFeatures] = this.shape(weight) as [number, number];
    if (shape[shape.length - 1] !== inFeatures) throw new BugError(`FULLY_CONNECTED ${name}: input [${shape.join(', ')}] vs weight [${outFeatures}, ${inFeatures}].`);
    const out = this.graph.activation(name, [...shape.slice(0, -1), outFeatures]);
    this.graph.operator('FULLY_CONNECTED', [x, weight, bias ?? -1], [out], { kind: 'fully-connected', keepNumDims: true });
    return out;
  }

  /** [..., m, k] x [..., k, n] with optional adjoints; batch dims broadcast. */
  batchMatMul(a: TensorId, b: TensorId, options: { adjX?: boolean; adjY?: boolean; name: string }): TensorId {
    const x = this.shape(a);
    const y = this.shape(b);
    const m = options.adjX ? x[x.length - 1] : x[x.length - 2];
    const kx = options.adjX ? x[x.length - 2] : x[x.length - 1];
    const ky = options.adjY ? y[y.length - 1] : y[y.length - 2];
    const n = options.adjY ? y[y.length - 2] : y[y.length - 1];
    if (m === undefined || n === undefined || kx !== ky) throw new BugError(`BATCH_MATMUL ${options.name}: [${x.join(', ')}] x [${y.join(', ')}].`);
    const batch = broadcast(x.slice(0, -2), y.slice(0, -2), `BATCH_MATMUL ${options.name}`);
    const out = this.graph.activation(options.name, [...batch, m, n]);
    this.graph.operator('BATCH_MATMUL', [a, b], [out], { kind: 'batch-matmul', adjX: options.adjX ?? false, adjY: options.adjY ?? false });
    return out;
  }

  reshape(x: TensorId, shape: readonly number[], name: string): TensorId {
    const count = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
    if (count(shape) !== count(this.shape(x))) throw new BugError(`RESHAPE ${name}: [${this.shape(x).join(', ')}] to [${shape.join(', ')}].`);
    const out = this.graph.activation(name, shape, this.graph.tensor(x).type);
    this.graph.operator('RESHAPE', [x, this.graph.ints(`${name}/shape`, shape)], [out], { kind: 'reshape', newShape: [...shape] });
    return out;
  }

  transpose(x: TensorId, perm: readonly number[], name: string): TensorId {
    const shape = this.shape(x);
    const out = this.graph.activation(name, perm.map((axis) => shape[axis] as number));
    this.graph.operator('TRANSPOSE', [x, this.graph.ints(`${name}/perm`, perm)], [out]);
    return out;
  }

  concat(inputs: readonly TensorId[], axis: number, name: string): TensorId {
    const shapes = inputs.map((id) => this.shape(id));
    const first = shapes[0];
    if (first === undefined) throw new BugError(`CONCATENATION ${name} without inputs.`);
    const a = axisOf(axis, first.length);
    const shape = first.map((dim, i) => (i === a ? shapes.reduce((sum, s) => sum + (s[i] ?? 0), 0) : dim));
    const out = this.graph.activation(name, shape, this.graph.tensor(inputs[0] as TensorId).type);
    this.graph.operator('CONCATENATION', inputs, [out], { kind: 'concatenation', axis: a });
    return out;
  }

  slice(x: TensorId, begin: readonly number[], size: readonly number[], name: string): TensorId {
    const out = this.graph.activation(name, size, this.graph.tensor(x).type);
    this.graph.operator('SLICE', [x, this.graph.ints(`${name}/begin`, begin), this.graph.ints(`${name}/size`, size)], [out]);
    return out;
  }

  /** Unit-stride slice [begin, end) that drops the axes in `shrinkAxes` (which must have size 1). */
  stridedSlice(x: TensorId, range: { begin: number[]; end: number[]; shrinkAxes: number[] }, name: string): TensorId {
    const size = range.end.map((end, i) => end - (range.begin[i] as number));
    const shape = size.filter((_, i) => !range.shrinkAxes.includes(i));
    const out = this.graph.activation(name, shape);
    const inputs = [x, this.graph.ints(`${name}/begin`, range.begin), this.graph.ints(`${name}/end`, range.end), this.graph.ints(`${name}/strides`, range.begin.map(() => 1))];
    const shrinkAxisMask = range.shrinkAxes.reduce((mask, axis) => mask | (1 << axis), 0);
    this.graph.operator('STRIDED_SLICE', inputs, [out], { kind: 'strided-slice', beginMask: 0, endMask: 0, shrinkAxisMask });
    return out;
  }

  /** params gathered along `axis` by int32 indices (any rank): params[:axis] + indices + params[axis+1:]. */
  gather(params: TensorId, indices: TensorId, axis: number, name: string): TensorId {
    const shape = this.shape(params);
    const a = axisOf(axis, shape.length);
    const out = this.graph.activation(name, [...shape.slice(0, a), ...this.shape(indices), ...shape.slice(a + 1)], this.graph.tensor(params).type);
    this.graph.operator('GATHER', [params, indices], [out], { kind: 'gather', axis: a, batchDims: 0 });
    return out;
  }

  /**
   * The k largest values along the last axis, largest first, and their int32 indices (ties: the
   * lower index first, as TFLite's kernel orders them).
   */
  topk(x: TensorId, k: number, name: string): { values: TensorId; indices: TensorId } {
    const shape = this.shape(x);
    const outShape = [...shape.slice(0, -1), k];
    const values = this.graph.activation(`${name}/values`, outShape, this.graph.tensor(x).type);
    const indices = this.graph.activation(`${name}/indices`, outShape, 'int32');
    this.graph.operator('TOPK_V2', [x, this.graph.ints(`${name}/k`, [k], [])], [values, indices]);
    return { values, indices };
  }

  /** NHWC convolution with an [out, kh, kw, in] filter, VALID or SAME padding. */
  conv2d(x: TensorId, filter: TensorId, bias: TensorId | null, options: { stride: number; padding: 'valid' | 'same'; name: string }): TensorId {
    const [batch, height, width] = this.shape(x) as [number, number, number, number];
    const [outChannels, kh, kw] = this.shape(filter) as [number, number, number, number];
    const outSide = (size: number, kernel: number): number =>
      options.padding === 'valid' ? Math.floor((size - kernel) / options.stride) + 1 : Math.ceil(size / options.stride);
    const out = this.graph.activation(options.name, [batch, outSide(height, kh), outSide(width, kw), outChannels]);
    this.graph.operator('CONV_2D', [x, filter, bias ?? -1], [out], { kind: 'conv2d', padding: options.padding, strideH: options.stride, strideW: options.stride });
    return out;
  }
}
