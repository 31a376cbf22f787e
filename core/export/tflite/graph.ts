/**
 * A TFLite graph under construction: tensors (activations and constants), operators with their
 * options, and the graph's inputs and outputs. Pure bookkeeping; `write-flatbuffer.ts` serialises
 * it and `ops.ts` adds operators with shape checks.
 */
import { BugError } from '../../shared/errors';

import type { OperatorName, TensorDataType } from './schema';

export type TensorId = number;

export interface GraphTensor {
  name: string;
  shape: number[];
  type: TensorDataType;
  /** Little-endian contents of a constant; null for activations and graph inputs. */
  data: Uint8Array | null;
}

/** Builtin options, by operator; absent fields take the schema's defaults. */
export type OperatorOptions =
  | { kind: 'conv2d'; padding: 'same' | 'valid'; strideH: number; strideW: number }
  | { kind: 'fully-connected'; keepNumDims: boolean }
  | { kind: 'softmax'; beta: number }
  | { kind: 'concatenation'; axis: number }
  | { kind: 'reshape'; newShape: number[] }
  | { kind: 'gather'; axis: number; batchDims: number }
  | { kind: 'reducer'; keepDims: boolean }
  | { kind: 'strided-slice'; beginMask: number; endMask: number; shrinkAxisMask: number }
  | { kind: 'batch-matmul'; adjX: boolean; adjY: boolean }
  | { kind: 'gelu'; approximate: boolean };

export interface GraphOperator {
  op: OperatorName;
  /** -1 marks an omitted optional input (a FULLY_CONNECTED without bias). */
  inputs: TensorId[];
  outputs: TensorId[];
  options: OperatorOptions | null;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

function littleEndianBytes(values: Float32Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  const float = values instanceof Float32Array;
  values.forEach((value, i) => (float ? view.setFloat32(i * 4, value, true) : view.setInt32(i * 4, value, true)));
  return bytes;
}

export class TfliteGraph {
  readonly tensors: GraphTensor[] = [];
  readonly operators: GraphOperator[] = [];
  readonly inputs: TensorId[] = [];
  readonly outputs: TensorId[] = [];
  readonly #names = new Set<string>();

  /** A float32 graph input. */
  input(name: string, shape: readonly number[], type: TensorDataType = 'float32'): TensorId {
    const id = this.#add({ name, shape: [...shape], type, data: null });
    this.inputs.push(id);
    return id;
  }

  /** An intermediate result (an operator's output). */
  activation(name: string, shape: readonly number[], type: TensorDataType = 'float32'): TensorId {
    return this.#add({ name, shape: [...shape], type, data: null });
  }

  constant(name: string, shape: readonly number[], values: Float32Array): TensorId {
    if (values.length !== elementCount(shape)) {
      throw new BugError(`Constant ${name}: ${values.length} values for shape [${shape.join(', ')}].`);
    }
    return this.#add({ name, shape: [...shape], type: 'float32', data: littleEndianBytes(values) });
  }

  /** An int32 constant (shapes, axes, permutations, indices); a vector unless `shape` says otherwise. */
  ints(name: string, values: readonly number[], shape: readonly number[] = [values.length]): TensorId {
    if (values.length !== elementCount(shape)) throw new BugError(`Constant ${name}: ${values.length} values for shape [${shape.join(', ')}].`);
    return this.#add({ name, shape: [...shape], type: 'int32', data: littleEndianBytes(Int32Array.from(values)) });
  }

  operator(op: OperatorName, inputs: readonly TensorId[], outputs: readonly TensorId[], options: OperatorOptions | null = null): void {
    for (const id of [...inputs, ...outputs]) {
      if (id !== -1 && this.tensors[id] === undefined) throw new BugError(`${op} refers to tensor ${id}, which does not exist.`);
    }
    this.operators.push({ op, inputs: [...inputs], outputs: [...outputs], options });
  }

  markOutput(id: TensorId): void {
    this.outputs.push(id);
  }

  tensor(id: TensorId): GraphTensor {
    const tensor = this.tensors[id];
    if (tensor === undefined) throw new BugError(`Tensor ${id} does not exist.`);
    return tensor;
  }

  shapeOf(id: TensorId): number[] {
    return [...this.tensor(id).shape];
  }

  /** Bytes of constant data (the weights), for reports. */
  constantBytes(): number {
    return this.tensors.reduce((sum, tensor) => sum + (tensor.data?.length ?? 0), 0);
  }

  #add(tensor: GraphTensor): TensorId {
    let name = tensor.name;
    // TFLite does not need unique names, but tools (op profiles, Netron) read better with them.
    for (let n = 1; this.#names.has(name); n += 1) name = `${tensor.name}_${n}`;
    this.#names.add(name);
    this.tensors.push({ ...tensor, name });
    return this.tensors.length - 1;
  }
}
