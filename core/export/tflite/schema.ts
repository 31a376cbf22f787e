/**
 * The subset of TFLite's schema.fbs (schema version 3) the writer emits, as numbers: builtin
 * operator codes, the BuiltinOptions union tags of their option tables, tensor types, and the field
 * ids of every table written. Field ids are the declaration order in schema.fbs (the vtable slot is
 * 4 + 2 * id); union tags count from 1 in the order of `union BuiltinOptions`.
 */

export const TFLITE_SCHEMA_VERSION = 3;
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** `enum BuiltinOperator : int32`. */
export const BUILTIN_OPERATOR = {
  ADD: 0,
  CONCATENATION: 2,
  CONV_2D: 3,
  FLOOR: 8,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MUL: 18,
  RESHAPE: 22,
  SOFTMAX: 25,
  GATHER: 36,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  DIV: 42,
  STRIDED_SLICE: 45,
  TOPK_V2: 48,
  MAXIMUM: 55,
  NEG: 59,
  SLICE: 65,
  SUM: 74,
  RSQRT: 76,
  REDUCE_MAX: 82,
  SQUARED_DIFFERENCE: 99,
  BATCH_MATMUL: 126,
  GELU: 150,
} as const;
export type OperatorName = keyof typeof BUILTIN_OPERATOR;

/**
 * OperatorCode.deprecated_builtin_code is an int8: codes above 126 are written there as
 * PLACEHOLDER_FOR_GREATER_OP_CODES and only builtin_code (int32) carries the real one. Readers take
 * max(deprecated_builtin_code, builtin_code).
 */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** `union BuiltinOptions` tags (0 is NONE). */
export const BUILTIN_OPTIONS = {
  Conv2DOptions: 1,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  GatherOptions: 23,
  TransposeOptions: 26,
  ReducerOptions: 27,
  SubOptions: 28,
  DivOptions: 29,
  StridedSliceOptions: 32,
  TopKV2Options: 34,
  MaximumMinimumOptions: 39,
  NegOptions: 42,
  SliceOptions: 48,
  SquaredDifferenceOptions: 76,
  BatchMatMulOptions: 101,
  GeluOptions: 116,
} as const;
export type BuiltinOptionsName = keyof typeof BUILTIN_OPTIONS;

/** `enum TensorType : byte`. */
export const TENSOR_TYPE = { float32: 0, int32: 2 } as const;
export type TensorDataType = keyof typeof TENSOR_TYPE;

/** `enum Padding : byte`. */
export const PADDING = { same: 0, valid: 1 } as const;

/** Field ids of the tables the writer emits. */
export const FIELDS = {
  model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, count: 5 },
  operatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3, count: 4 },
  subgraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, count: 5 },
  tensor: { shape: 0, type: 1, buffer: 2, name: 3, count: 4 },
  buffer: { data: 0, count: 1 },
  operator: { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, count: 5 },
  conv2d: { padding: 0, strideW: 1, strideH: 2, fusedActivation: 3, dilationW: 4, dilationH: 5, count: 6 },
  fullyConnected: { fusedActivation: 0, weightsFormat: 1, keepNumDims: 2, count: 3 },
  softmax: { beta: 0, count: 1 },
  concatenation: { axis: 0, fusedActivation: 1, count: 2 },
  /** AddOptions, SubOptions, MulOptions, DivOptions all start with fused_activation_function. */
  arithmetic: { fusedActivation: 0, count: 1 },
  reshape: { newShape: 0, count: 1 },
  gather: { axis: 0, batchDims: 1, count: 2 },
  reducer: { keepDims: 0, count: 1 },
  stridedSlice: { beginMask: 0, endMask: 1, ellipsisMask: 2, newAxisMask: 3, shrinkAxisMask: 4, count: 5 },
  batchMatMul: { adjX: 0, adjY: 1, count: 2 },
  gelu: { approximate: 0, count: 1 },
} as const;

/** Which option table each operator carries (null: the operator has none in the union). */
export const OPTIONS_OF: Record<OperatorName, BuiltinOptionsName | null> = {
  ADD: 'AddOptions',
  CONCATENATION: 'ConcatenationOptions',
  CONV_2D: 'Conv2DOptions',
  FLOOR: null,
  FULLY_CONNECTED: 'FullyConnectedOptions',
  LOGISTIC: null,
  MUL: 'MulOptions',
  RESHAPE: 'ReshapeOptions',
  SOFTMAX: 'SoftmaxOptions',
  GATHER: 'GatherOptions',
  TRANSPOSE: 'TransposeOptions',
  MEAN: 'ReducerOptions',
  SUB: 'SubOptions',
  DIV: 'DivOptions',
  STRIDED_SLICE: 'StridedSliceOptions',
  TOPK_V2: 'TopKV2Options',
  MAXIMUM: 'MaximumMinimumOptions',
  NEG: 'NegOptions',
  SLICE: 'SliceOptions',
  SUM: 'ReducerOptions',
  RSQRT: null,
  REDUCE_MAX: 'ReducerOptions',
  SQUARED_DIFFERENCE: 'SquaredDifferenceOptions',
  BATCH_MATMUL: 'BatchMatMulOptions',
  GELU: 'GeluOptions',
};
