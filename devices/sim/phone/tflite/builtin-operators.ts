/** TFLite BuiltinOperator codes (schema.fbs) by number, for the operators vision models use. */
const NAMES: Record<number, string> = {
  0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 5: 'DEPTH_TO_SPACE',
  6: 'DEQUANTIZE', 7: 'EMBEDDING_LOOKUP', 8: 'FLOOR', 9: 'FULLY_CONNECTED', 11: 'L2_NORMALIZATION', 14: 'LOGISTIC',
  17: 'MAX_POOL_2D', 18: 'MUL', 19: 'RELU', 21: 'RELU6', 22: 'RESHAPE', 23: 'RESIZE_BILINEAR', 25: 'SOFTMAX',
  28: 'TANH', 32: 'CUSTOM', 34: 'PAD', 36: 'GATHER', 39: 'TRANSPOSE', 40: 'MEAN', 41: 'SUB', 42: 'DIV', 43: 'SQUEEZE',
  45: 'STRIDED_SLICE', 47: 'EXP', 48: 'TOPK_V2', 49: 'SPLIT', 50: 'LOG_SOFTMAX', 53: 'CAST', 55: 'MAXIMUM', 56: 'ARG_MAX', 57: 'MINIMUM',
  59: 'NEG', 60: 'PADV2', 65: 'SLICE', 69: 'TILE', 70: 'EXPAND_DIMS', 74: 'SUM', 75: 'SQRT', 76: 'RSQRT', 77: 'SHAPE',
  78: 'POW', 82: 'REDUCE_MAX', 83: 'PACK', 88: 'UNPACK', 92: 'SQUARE', 97: 'RESIZE_NEAREST_NEIGHBOR', 99: 'SQUARED_DIFFERENCE',
  101: 'ABS', 102: 'SPLIT_V', 107: 'GATHER_ND', 114: 'QUANTIZE', 117: 'HARD_SWISH', 123: 'SELECT_V2', 126: 'BATCH_MATMUL',
  127: 'PLACEHOLDER_FOR_GREATER_OP_CODES', 130: 'BROADCAST_TO', 150: 'GELU',
};

export function builtinOperatorName(code: number): string {
  return NAMES[code] ?? `BUILTIN_${code}`;
}

/** TensorType codes and their element sizes in bytes. */
const TENSOR_TYPES: Record<number, { name: string; bytes: number }> = {
  0: { name: 'FLOAT32', bytes: 4 }, 1: { name: 'FLOAT16', bytes: 2 }, 2: { name: 'INT32', bytes: 4 }, 3: { name: 'UINT8', bytes: 1 },
  4: { name: 'INT64', bytes: 8 }, 5: { name: 'STRING', bytes: 1 }, 6: { name: 'BOOL', bytes: 1 }, 7: { name: 'INT16', bytes: 2 },
  9: { name: 'INT8', bytes: 1 }, 10: { name: 'FLOAT64', bytes: 8 }, 15: { name: 'UINT32', bytes: 4 }, 16: { name: 'UINT16', bytes: 2 },
};

export function tensorTypeInfo(code: number): { name: string; bytes: number } {
  return TENSOR_TYPES[code] ?? { name: `TYPE_${code}`, bytes: 4 };
}
