/**
 * The bit-exact reference runner: what a fixed-point package computes, in integer arithmetic only
 * (see integer-math.ts for why JavaScript numbers are exact here). The board's accelerator and the
 * simulator must produce exactly these outputs for the same int8 image.
 *
 * Flow: patches (int8) -> patch linear -> int16 residual + position -> blocks (with selectors in
 * front of their blocks) -> LayerNorm of the class token -> head -> int32 logits.
 */
import { StudioError } from '../../shared/errors';

import { createMatmulKernel } from './kernels/matmul';
import { sat16, sat32 } from './integer-math';
import { layerNormRow } from './nonlinear';
import { prepareBlock, runBlock } from './runner/block-runner';
import { TensorBinder, applyLinear, requantChannel } from './runner/prepared';
import { prepareSelector, runSelector } from './runner/selector-runner';

import type { MatmulKernel } from './kernels/matmul';
import type { LayerNormConstants } from './nonlinear';
import type { FixedPointPackage, PackageHeader } from './package-format';
import type { BlockDims, PreparedBlock, RunContext } from './runner/block-runner';
import type { PreparedLinear, PreparedRequant } from './runner/prepared';
import type { PreparedSelector } from './runner/selector-runner';

export interface ReferenceOutput {
  /** int32 logits [numClasses]; real logits are these times header.output.scale. */
  logits: Int32Array;
  /** Per selector, the original spatial indices it left, increasing. */
  kept: Int32Array[];
}

export interface ReferenceRunnerOptions {
  /** 'auto' (WebAssembly SIMD matmuls where available) or 'js' (plain loops); same results. */
  kernel?: 'auto' | 'js';
}

export class ReferenceRunner {
  readonly header: PackageHeader;
  readonly kernelName: string;
  private readonly kernel: MatmulKernel;
  private readonly context: RunContext;
  private readonly dims: BlockDims;
  private readonly patch: PreparedLinear;
  private readonly patchToResidual: PreparedRequant;
  private readonly position: Int16Array;
  private readonly blocks: PreparedBlock[];
  private readonly selectors: PreparedSelector[];
  private readonly headNorm: LayerNormConstants;
  private readonly headLinear: PreparedLinear;
  private readonly headToOutput: PreparedRequant;

  constructor(pkg: FixedPointPackage, options: ReferenceRunnerOptions = {}) {
    const { header } = pkg;
    const model = header.model;
    this.header = header;
    this.kernel = createMatmulKernel(options.kernel ?? 'auto');
    this.kernelName = this.kernel.name;
    const dim = model.embedDim;
    this.dims = { dim, heads: model.heads, hidden: model.mlpHidden };
    checkModel(header);
    const binder = new TensorBinder(pkg, this.kernel, header.arithmetic);
    this.context = { kernel: this.kernel, arithmetic: header.arithmetic, exp2: binder.exp2, activationMax: binder.activationMax };
    const patchValues = model.inChannels * model.patchSize ** 2;
    const patches = (model.imageSize / model.patchSize) ** 2;
    this.patch = binder.linear(header.embed.patch, patchValues, dim);
    this.patchToResidual = binder.requant(header.embed.patchToResidual, dim);
    this.position = binder.tensor(header.embed.position, 'int16', (1 + patches) * dim) as Int16Array;
    this.blocks = header.blocks.map((block) => prepareBlock(binder, block, this.dims));
    this.selectors = header.selectors.map((selector) => prepareSelector(binder, selector, dim, model.heads));
    this.headNorm = binder.layerNorm(header.head.norm);
    this.headLinear = binder.linear(header.head.linear, dim, model.numClasses);
    this.headToOutput = binder.requant(header.head.toOutput, model.numClasses);
  }

  /** Runs one int8 image [inChannels, imageSize, imageSize]. */
  run(image: Int8Array): ReferenceOutput {
    const { model } = this.header;
    const expected = model.inChannels * model.imageSize ** 2;
    if (image.length !== expected) {
      throw new StudioError('input/invalid', `The package takes an int8 image of ${expected} values [${model.inChannels}, ${model.imageSize}, ${model.imageSize}], got ${image.length}.`, {
        hint: 'Quantise the image with the package input scale first (quantizeImage).',
      });
    }
    const dim = this.dims.dim;
    let x = this.embed(image);
    let spatial = (model.imageSize / model.patchSize) ** 2;
    let packages = 0;
    let original = Int32Array.from({ length: spatial }, (_, i) => i);
    const kept: Int32Array[] = [];
    const context = { ...this.context, dim, heads: model.heads, packageMode: this.header.packageMode ?? 'average' };
    this.blocks.forEach((block, index) => {
      const selector = this.selectors.find((candidate) => candidate.block === index);
      if (selector !== undefined) {
        const step = runSelector(context, { x, spatial, packages }, selector);
        original = Int32Array.from(step.keptSlots, (slot) => original[slot] as number);
        kept.push(original);
        x = step.tokens;
        spatial = step.keptSlots.length;
        packages += 1;
      }
      x = runBlock(this.context, { x, tokens: 1 + spatial + packages }, this.dims, block);
    });
    return { logits: this.classify(x), kept };
  }

  private embed(image: Int8Array): Int16Array {
    const { model } = this.header;
    const { patchSize: p, imageSize: size, inChannels: channels } = model;
    const grid = size / p;
    const values = channels * p * p;
    const patches = new Int8Array(grid * grid * values);
    for (let py = 0; py < grid; py++) {
      for (let px = 0; px < grid; px++) {
        const row = (py * grid + px) * values;
        for (let c = 0; c < channels; c++) {
          for (let ky = 0; ky < p; ky++) {
            const from = c * size * size + (py * p + ky) * size + px * p;
            patches.set(image.subarray(from, from + p), row + c * p * p + ky * p);
          }
        }
      }
    }
    const acc = applyLinear(this.kernel, patches, grid * grid, this.patch);
    const dim = this.dims.dim;
    const x = new Int16Array((1 + grid * grid) * dim);
    x.set(this.position.subarray(0, dim), 0);
    for (let i = 0; i < grid * grid * dim; i++) {
      x[dim + i] = sat16(requantChannel(acc[i] as number, this.patchToResidual, i % dim) + (this.position[dim + i] as number));
    }
    return x;
  }

  private classify(x: Int16Array): Int32Array {
    const dim = this.dims.dim;
    const normed = new Int16Array(dim);
    layerNormRow({ values: x, start: 0, length: dim, out: normed, outStart: 0 }, this.headNorm);
    const acc = applyLinear(this.kernel, normed, 1, this.headLinear);
    return Int32Array.from(acc, (value, c) => sat32(requantChannel(value, this.headToOutput, c)));
  }
}

function checkModel(header: PackageHeader): void {
  const { model } = header;
  const fail = (message: string): never => {
    throw new StudioError('data/corrupt', `The fixed-point package's model is inconsistent: ${message}`, { hint: 'Export the package again.' });
  };
  if (model.imageSize % model.patchSize !== 0 || model.embedDim % model.heads !== 0) fail('image/patch or dim/heads do not divide.');
  if (header.blocks.length !== model.depth) fail(`${header.blocks.length} blocks for depth ${model.depth}.`);
  if (header.selectors.length !== model.selectorBlocks.length) fail('selector count differs from selectorBlocks.');
  header.selectors.forEach((selector, i) => {
    if (selector.block !== model.selectorBlocks[i] || selector.keep !== model.keptTokens[i]) fail(`selector ${i} disagrees with the model shape.`);
    if (i > 0 && selector.block <= (header.selectors[i - 1] as { block: number }).block) fail('selector blocks must increase.');
  });
  if (header.selectors.length > 0 && header.packageMode === null) fail('selectors without a package mode.');
}

export function createReferenceRunner(pkg: FixedPointPackage, options: ReferenceRunnerOptions = {}): ReferenceRunner {
  return new ReferenceRunner(pkg, options);
}
