/**
 * The package's inputs and outputs as the board agent's tensors (little-endian bytes, row-major):
 * in, `image` int8 [batch, C, H, W]; out, `logits` int32 [batch, classes] and, per selector s,
 * `kept.s` int32 [batch, keep] (original spatial indices, increasing). The simulator and the deploy
 * check use the same conversions, so the board's bytes can be compared with the runner's directly.
 */
import { StudioError } from '../../shared/errors';

import { imageValues } from './host-io';

import type { ReferenceOutput, ReferenceRunner } from './reference-runner';
import type { PackageHeader } from './package-format';

/** Structurally the board protocol's BoardTensor (core cannot import devices). */
export interface WireTensor {
  name: string;
  dtype: 'int8' | 'uint8' | 'int16' | 'int32' | 'float32';
  shape: number[];
  data: Uint8Array;
}

export function imageTensor(header: PackageHeader, images: Int8Array): WireTensor {
  const { model } = header;
  const count = images.length / imageValues(header);
  return { name: 'image', dtype: 'int8', shape: [count, model.inChannels, model.imageSize, model.imageSize], data: new Uint8Array(images.buffer, images.byteOffset, images.byteLength).slice() };
}

function int32Bytes(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => view.setInt32(i * 4, value, true));
  return out;
}

/** The outputs of a batch as wire tensors. */
export function outputTensors(header: PackageHeader, outputs: readonly ReferenceOutput[]): WireTensor[] {
  const count = outputs.length;
  const classes = header.model.numClasses;
  const logits = new Int32Array(count * classes);
  outputs.forEach((output, i) => logits.set(output.logits, i * classes));
  const tensors: WireTensor[] = [{ name: 'logits', dtype: 'int32', shape: [count, classes], data: int32Bytes(logits) }];
  header.selectors.forEach((selector, s) => {
    const kept = new Int32Array(count * selector.keep);
    outputs.forEach((output, i) => kept.set(output.kept[s] ?? new Int32Array(selector.keep), i * selector.keep));
    tensors.push({ name: `kept.${s}`, dtype: 'int32', shape: [count, selector.keep], data: int32Bytes(kept) });
  });
  return tensors;
}

/** Runs a batch given as the `image` wire tensor; `aborted` is checked between images. */
export function runWireTensors(runner: ReferenceRunner, inputs: readonly WireTensor[], aborted: () => boolean = () => false): WireTensor[] {
  const { header } = runner;
  const { model } = header;
  const image = inputs.find((tensor) => tensor.name === 'image');
  const shape = image?.shape ?? [];
  const perImage = imageValues(header);
  if (image === undefined || image.dtype !== 'int8' || shape.length !== 4 || shape[1] !== model.inChannels || shape[2] !== model.imageSize || shape[3] !== model.imageSize) {
    throw new StudioError('input/invalid', `The package takes one int8 tensor 'image' [batch, ${model.inChannels}, ${model.imageSize}, ${model.imageSize}].`, {
      hint: 'Quantise the images with the package input scale and send them as int8.',
    });
  }
  const images = new Int8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const outputs: ReferenceOutput[] = [];
  for (let i = 0; i < images.length / perImage; i++) {
    if (aborted()) throw new StudioError('cancelled', 'Inference was cancelled.');
    outputs.push(runner.run(images.subarray(i * perImage, (i + 1) * perImage)));
  }
  return outputTensors(header, outputs);
}

/** Byte-for-byte comparison of two output sets; lists what differs. */
export function compareWireTensors(expected: readonly WireTensor[], actual: readonly WireTensor[]): string[] {
  const problems: string[] = [];
  for (const want of expected) {
    const got = actual.find((tensor) => tensor.name === want.name);
    if (got === undefined) {
      problems.push(`'${want.name}' is missing`);
      continue;
    }
    if (got.dtype !== want.dtype || got.shape.join(',') !== want.shape.join(',')) {
      problems.push(`'${want.name}' is ${got.dtype} [${got.shape.join(', ')}], expected ${want.dtype} [${want.shape.join(', ')}]`);
      continue;
    }
    let differing = 0;
    for (let i = 0; i < want.data.length; i++) if (want.data[i] !== got.data[i]) differing += 1;
    if (differing > 0) problems.push(`'${want.name}' differs in ${differing} of ${want.data.length} bytes`);
  }
  const extra = actual.filter((tensor) => !expected.some((want) => want.name === tensor.name)).map((tensor) => tensor.name);
  if (extra.length > 0) problems.push(`unexpected outputs: ${extra.join(', ')}`);
  return problems;
}
