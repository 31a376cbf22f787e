/**
 * Serialises a TfliteGraph into a .tflite flatbuffer (identifier TFL3, schema version 3) with the
 * `flatbuffers` builder: buffer 0 is the empty sentinel, every constant gets its own 16-byte
 * aligned buffer, operator codes are deduplicated and carry both deprecated_builtin_code and
 * builtin_code, and every operator that has an option table in the schema gets one.
 */
import { Builder } from 'flatbuffers';

import { BugError } from '../../shared/errors';

import {
  BUILTIN_OPERATOR,
  BUILTIN_OPTIONS,
  FIELDS,
  OPTIONS_OF,
  PADDING,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  TENSOR_TYPE,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from './schema';

import type { Offset } from 'flatbuffers';
import type { GraphOperator, TfliteGraph } from './graph';
import type { OperatorName } from './schema';

const BUFFER_ALIGNMENT = 16;

function int32Vector(builder: Builder, values: readonly number[]): Offset {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i -= 1) builder.addInt32(values[i] as number);
  return builder.endVector();
}

function offsetVector(builder: Builder, offsets: readonly Offset[]): Offset {
  builder.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i -= 1) builder.addOffset(offsets[i] as Offset);
  return builder.endVector();
}

function alignedBytes(builder: Builder, data: Uint8Array): Offset {
  // Pad so that the bytes start on a 16-byte boundary (schema.fbs: force_align: 16).
  builder.prep(BUFFER_ALIGNMENT, data.length);
  return builder.createByteVector(data);
}

/** Builds the options table of one operator; returns the union tag and table, or null. */
function writeOptions(builder: Builder, operator: GraphOperator): { type: number; table: Offset } | null {
  const union = OPTIONS_OF[operator.op];
  if (union === null) return null;
  const options = operator.options;
  // Vectors must be created before the table that points at them.
  const newShape = options?.kind === 'reshape' ? int32Vector(builder, options.newShape) : 0;
  const f = FIELDS;
  switch (union) {
    case 'Conv2DOptions': {
      if (options?.kind !== 'conv2d') throw new BugError('CONV_2D needs conv2d options.');
      builder.startObject(f.conv2d.count);
      builder.addFieldInt8(f.conv2d.padding, PADDING[options.padding], 0);
      builder.addFieldInt32(f.conv2d.strideW, options.strideW, 0);
      builder.addFieldInt32(f.conv2d.strideH, options.strideH, 0);
      builder.addFieldInt32(f.conv2d.dilationW, 1, 1);
      builder.addFieldInt32(f.conv2d.dilationH, 1, 1);
      break;
    }
    case 'FullyConnectedOptions':
      builder.startObject(f.fullyConnected.count);
      builder.addFieldInt8(f.fullyConnected.keepNumDims, options?.kind === 'fully-connected' && options.keepNumDims ? 1 : 0, 0);
      break;
    case 'SoftmaxOptions':
      builder.startObject(f.softmax.count);
      // The schema's default beta is 0 (a uniform softmax), so it is always written.
      builder.addFieldFloat32(f.softmax.beta, options?.kind === 'softmax' ? options.beta : 1, null);
      break;
    case 'ConcatenationOptions':
      if (options?.kind !== 'concatenation') throw new BugError('CONCATENATION needs its axis.');
      builder.startObject(f.concatenation.count);
      builder.addFieldInt32(f.concatenation.axis, options.axis, null);
      break;
    case 'ReshapeOptions':
      builder.startObject(f.reshape.count);
      if (newShape !== 0) builder.addFieldOffset(f.reshape.newShape, newShape, 0);
      break;
    case 'GatherOptions':
      builder.startObject(f.gather.count);
      builder.addFieldInt32(f.gather.axis, options?.kind === 'gather' ? options.axis : 0, null);
      builder.addFieldInt32(f.gather.batchDims, options?.kind === 'gather' ? options.batchDims : 0, 0);
      break;
    case 'ReducerOptions':
      builder.startObject(f.reducer.count);
      builder.addFieldInt8(f.reducer.keepDims, options?.kind === 'reducer' && options.keepDims ? 1 : 0, 0);
      break;
    case 'StridedSliceOptions':
      builder.startObject(f.stridedSlice.count);
      if (options?.kind === 'strided-slice') {
        builder.addFieldInt32(f.stridedSlice.beginMask, options.beginMask, 0);
        builder.addFieldInt32(f.stridedSlice.endMask, options.endMask, 0);
        builder.addFieldInt32(f.stridedSlice.shrinkAxisMask, options.shrinkAxisMask, 0);
      }
      break;
    case 'BatchMatMulOptions':
      builder.startObject(f.batchMatMul.count);
      builder.addFieldInt8(f.batchMatMul.adjX, options?.kind === 'batch-matmul' && options.adjX ? 1 : 0, 0);
      builder.addFieldInt8(f.batchMatMul.adjY, options?.kind === 'batch-matmul' && options.adjY ? 1 : 0, 0);
      break;
    case 'GeluOptions':
      builder.startObject(f.gelu.count);
      builder.addFieldInt8(f.gelu.approximate, options?.kind === 'gelu' && options.approximate ? 1 : 0, 0);
      break;
    case 'AddOptions':
    case 'SubOptions':
    case 'MulOptions':
    case 'DivOptions':
      builder.startObject(f.arithmetic.count);
      builder.addFieldInt8(f.arithmetic.fusedActivation, 0, null);
      break;
    default:
      // Option tables without fields (TRANSPOSE, SLICE, TOPK_V2, NEG, MAXIMUM, SQUARED_DIFFERENCE).
      builder.startObject(0);
  }
  return { type: BUILTIN_OPTIONS[union], table: builder.endObject() };
}

function writeOperatorCode(builder: Builder, op: OperatorName): Offset {
  const code = BUILTIN_OPERATOR[op];
  const f = FIELDS.operatorCode;
  builder.startObject(f.count);
  builder.addFieldInt8(f.deprecatedBuiltinCode, Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES), null);
  builder.addFieldInt32(f.version, 1, null);
  builder.addFieldInt32(f.builtinCode, code, null);
  return builder.endObject();
}

/** The graph as .tflite bytes; `description` lands in Model.description. */
export function writeTflite(graph: TfliteGraph, description: string): Uint8Array {
  const builder = new Builder(Math.ceil(4096 + graph.constantBytes() * 1.1));
  const buffers: Offset[] = [];
  builder.startObject(FIELDS.buffer.count);
  buffers.push(builder.endObject());
  const bufferOf = graph.tensors.map((tensor) => {
    if (tensor.data === null) return 0;
    const data = alignedBytes(builder, tensor.data);
    builder.startObject(FIELDS.buffer.count);
    builder.addFieldOffset(FIELDS.buffer.data, data, 0);
    buffers.push(builder.endObject());
    return buffers.length - 1;
  });
  const tensors = graph.tensors.map((tensor, index) => {
    const name = builder.createString(tensor.name);
    const shape = int32Vector(builder, tensor.shape);
    const f = FIELDS.tensor;
    builder.startObject(f.count);
    builder.addFieldOffset(f.shape, shape, 0);
    builder.addFieldInt8(f.type, TENSOR_TYPE[tensor.type], null);
    builder.addFieldInt32(f.buffer, bufferOf[index] as number, null);
    builder.addFieldOffset(f.name, name, 0);
    return builder.endObject();
  });
  const opcodes = [...new Set(graph.operators.map((operator) => operator.op))];
  const operatorCodes = opcodes.map((op) => writeOperatorCode(builder, op));
  const operators = graph.operators.map((operator) => {
    const options = writeOptions(builder, operator);
    const inputs = int32Vector(builder, operator.inputs);
    const outputs = int32Vector(builder, operator.outputs);
    const f = FIELDS.operator;
    builder.startObject(f.count);
    builder.addFieldInt32(f.opcodeIndex, opcodes.indexOf(operator.op), null);
    builder.addFieldOffset(f.inputs, inputs, 0);
    builder.addFieldOffset(f.outputs, outputs, 0);
    if (options !== null) {
      builder.addFieldInt8(f.builtinOptionsType, options.type, 0);
      builder.addFieldOffset(f.builtinOptions, options.table, 0);
    }
    return builder.endObject();
  });
  const s = FIELDS.subgraph;
  const tensorVector = offsetVector(builder, tensors);
  const inputVector = int32Vector(builder, graph.inputs);
  const outputVector = int32Vector(builder, graph.outputs);
  const operatorVector = offsetVector(builder, operators);
  const subgraphName = builder.createString('main');
  builder.startObject(s.count);
  builder.addFieldOffset(s.tensors, tensorVector, 0);
  builder.addFieldOffset(s.inputs, inputVector, 0);
  builder.addFieldOffset(s.outputs, outputVector, 0);
  builder.addFieldOffset(s.operators, operatorVector, 0);
  builder.addFieldOffset(s.name, subgraphName, 0);
  const subgraph = builder.endObject();
  const m = FIELDS.model;
  const codesVector = offsetVector(builder, operatorCodes);
  const subgraphsVector = offsetVector(builder, [subgraph]);
  const descriptionString = builder.createString(description);
  const buffersVector = offsetVector(builder, buffers);
  builder.startObject(m.count);
  builder.addFieldInt32(m.version, TFLITE_SCHEMA_VERSION, null);
  builder.addFieldOffset(m.operatorCodes, codesVector, 0);
  builder.addFieldOffset(m.subgraphs, subgraphsVector, 0);
  builder.addFieldOffset(m.description, descriptionString, 0);
  builder.addFieldOffset(m.buffers, buffersVector, 0);
  builder.finish(builder.endObject(), TFLITE_FILE_IDENTIFIER);
  return builder.asUint8Array().slice();
}
