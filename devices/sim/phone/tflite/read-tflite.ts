/**
 * Reads a .tflite file's first subgraph: tensors (shape, type, whether a constant buffer backs
 * them) and operators (builtin name, inputs, outputs, options). Field numbers follow TFLite's
 * schema.fbs: Model{version 0, operator_codes 1, subgraphs 2, description 3, buffers 4},
 * OperatorCode{deprecated_builtin_code 0, custom_code 1, version 2, builtin_code 3},
 * SubGraph{tensors 0, inputs 1, outputs 2, operators 3, name 4},
 * Tensor{shape 0, type 1, buffer 2, name 3}, Operator{opcode_index 0, inputs 1, outputs 2,
 * builtin_options_type 3, builtin_options 4}, Buffer{data 0, offset 1, size 2}.
 */
import { builtinOperatorName, tensorTypeInfo } from './builtin-operators';
import { FlatbufferError, FlatbufferTable } from './flatbuffer-table';

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: string;
  elementBytes: number;
  /** Backed by a non-empty constant buffer (weights, biases, shape constants). */
  isConstant: boolean;
}

export interface TfliteOperator {
  index: number;
  /** Builtin name (FULLY_CONNECTED, ...) or the custom code. */
  opcode: string;
  inputs: number[];
  outputs: number[];
  /** The builtin options table; its fields depend on `opcode`. */
  options: FlatbufferTable | null;
}

export interface TfliteModel {
  schemaVersion: number;
  description: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  sizeBytes: number;
}

/** A file benchmark_model cannot load; `message` is what TFLite prints. */
export class TfliteLoadError extends Error {}

export function readTfliteModel(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new TfliteLoadError(`The model is ${bytes.length} bytes, too small to be a TFLite flatbuffer.`);
  const identifier = String.fromCharCode(...bytes.subarray(4, 8));
  if (identifier !== 'TFL3') {
    throw new TfliteLoadError(`Model provided has model identifier '${identifier.replace(/[^\x20-\x7e]/g, '?')}', should be 'TFL3'`);
  }
  let root;
  try {
    root = FlatbufferTable.root(bytes);
  } catch (error) {
    throw new TfliteLoadError(`The model is not a valid Flatbuffer buffer: ${(error as Error).message}`);
  }
  try {
    return readModel(root.table, bytes.length);
  } catch (error) {
    if (error instanceof FlatbufferError || error instanceof RangeError) {
      throw new TfliteLoadError(`The model is not a valid Flatbuffer buffer: ${error.message}`);
    }
    throw error;
  }
}

function readModel(model: FlatbufferTable, sizeBytes: number): TfliteModel {
  const opcodes = model.tables(1).map((code) => {
    const builtin = Math.max(code.int8(0), code.int32(3));
    return builtin === 32 ? code.string(1) ?? 'CUSTOM' : builtinOperatorName(builtin);
  });
  const buffers = model.tables(4).map((buffer) => (buffer.bytes(0)?.length ?? 0) > 0 || buffer.uint64(2) > 0n);
  const subgraph = model.tables(2)[0];
  if (subgraph === undefined) throw new TfliteLoadError('The model has no subgraph.');
  const tensors = subgraph.tables(0).map((tensor, index): TfliteTensor => {
    const type = tensorTypeInfo(tensor.int8(1));
    return {
      index,
      name: tensor.string(3) ?? `tensor_${index}`,
      shape: tensor.int32s(0),
      type: type.name,
      elementBytes: type.bytes,
      isConstant: buffers[tensor.uint32(2)] ?? false,
    };
  });
  const operators = subgraph.tables(3).map((operator, index): TfliteOperator => {
    const opcode = opcodes[operator.uint32(0)];
    if (opcode === undefined) throw new TfliteLoadError(`Operator ${index} uses opcode ${operator.uint32(0)}, which the model does not declare.`);
    const inputs = operator.int32s(1);
    const outputs = operator.int32s(2);
    for (const tensor of [...inputs, ...outputs]) {
      if (tensor >= tensors.length) throw new TfliteLoadError(`Operator ${index} (${opcode}) refers to tensor ${tensor} of ${tensors.length}.`);
    }
    return { index, opcode, inputs, outputs, options: operator.table(4) };
  });
  return {
    schemaVersion: model.uint32(0),
    description: model.string(3) ?? '',
    tensors,
    operators,
    inputs: subgraph.int32s(1),
    outputs: subgraph.int32s(2),
    sizeBytes,
  };
}
