/** Tensors in a frame: descriptors in the header, element bytes packed back to back in the payload. */
import { AgentError } from './frame-error';
import { BOARD_TENSOR_DTYPES } from './board-types';
import { expectInteger, expectIntegerArray, expectObject, expectOneOf, expectString } from './validate';

import type { BoardTensor, BoardTensorDtype } from './board-types';

export const MAX_TENSORS = 64;
const MAX_RANK = 8;

export interface TensorDescriptor {
  name: string;
  dtype: BoardTensorDtype;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

export const DTYPE_BYTES: Record<BoardTensorDtype, number> = { int8: 1, uint8: 1, int16: 2, int32: 4, float32: 4 };

export function tensorByteLength(dtype: BoardTensorDtype, shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1) * DTYPE_BYTES[dtype];
}

export function encodeTensors(tensors: readonly BoardTensor[]): { descriptors: TensorDescriptor[]; payload: Uint8Array } {
  if (tensors.length > MAX_TENSORS) {
    throw new AgentError('input/invalid', `At most ${MAX_TENSORS} tensors fit in one frame, got ${tensors.length}.`);
  }
  let total = 0;
  const descriptors = tensors.map((tensor) => {
    const expected = tensorByteLength(tensor.dtype, tensor.shape);
    if (expected !== tensor.data.length) {
      throw new AgentError(
        'input/invalid',
        `Tensor '${tensor.name}' (${tensor.dtype} [${tensor.shape.join(', ')}]) needs ${expected} bytes, has ${tensor.data.length}.`,
      );
    }
    const descriptor = { name: tensor.name, dtype: tensor.dtype, shape: [...tensor.shape], byteOffset: total, byteLength: expected };
    total += expected;
    return descriptor;
  });
  const payload = new Uint8Array(total);
  tensors.forEach((tensor, index) => payload.set(tensor.data, descriptors[index]?.byteOffset ?? 0));
  return { descriptors, payload };
}

/** Checks every descriptor against the payload: the tensors must tile it exactly. */
export function decodeTensors(descriptorsValue: unknown, payload: Uint8Array): BoardTensor[] {
  if (!Array.isArray(descriptorsValue) || descriptorsValue.length > MAX_TENSORS) {
    throw new AgentError('input/invalid', `'tensors' must be an array of at most ${MAX_TENSORS} descriptors.`);
  }
  let offset = 0;
  const tensors = descriptorsValue.map((value, index) => {
    const object = expectObject(value, `tensors[${index}]`);
    const dtype = expectOneOf(object, 'dtype', BOARD_TENSOR_DTYPES);
    const shape = expectIntegerArray(object, 'shape', { maxLength: MAX_RANK, min: 0, max: 1 << 24 });
    const byteOffset = expectInteger(object, 'byteOffset', { min: 0, max: payload.length });
    const byteLength = expectInteger(object, 'byteLength', { min: 0, max: payload.length });
    const name = expectString(object, 'name', 256);
    if (byteOffset !== offset || byteLength !== tensorByteLength(dtype, shape)) {
      throw new AgentError(
        'input/invalid',
        `Tensor '${name}' does not match the payload: expected ${tensorByteLength(dtype, shape)} bytes at offset ${offset}.`,
      );
    }
    offset += byteLength;
    return { name, dtype, shape, data: payload.slice(byteOffset, byteOffset + byteLength) };
  });
  if (offset !== payload.length) {
    throw new AgentError('input/invalid', `The tensors cover ${offset} bytes of a ${payload.length}-byte payload.`);
  }
  return tensors;
}
