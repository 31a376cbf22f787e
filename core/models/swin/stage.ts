/**
 * One Swin stage (timm `SwinTransformerStage`, key `layers.<i>`): optional patch merging at entry,
 * then blocks alternating plain and shifted windows. The pieces are public so token-pruning code can
 * run entry -> per-block calls on [B, H*W, C] -> read or rewrite the grid between blocks.
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../../shared/errors';
import { joinKey } from '../../tensor/parameters';

import { SwinBlock } from './block';
import { shiftedWindowMask, windowGeometry } from './geometry';
import { PatchMerging } from './patch-merging';
import { RelativePositionLookup } from './window-attention';

import type { ParameterEntry, ParameterOwner } from '../../tensor/parameters';
import type { SwinBlockOptions } from './block';
import type { Size2, StageResolution, WindowGeometry } from './geometry';

export interface SwinStageArgs {
  /** timm key prefix, e.g. 'layers.2'. */
  key: string;
  inDim: number;
  outDim: number;
  depth: number;
  numHeads: number;
  /** Configured window, before clipping. */
  window: Size2;
  mlpRatio: number;
  qkvBias: boolean;
  alwaysPartition: boolean;
  /** The grid of this stage's blocks (after merging). */
  resolution: StageResolution;
  /** Stage 0 has no patch merging. */
  downsample: boolean;
  seed: number;
}

export class SwinStage implements ParameterOwner {
  static readonly className = 'SwinStage';
  readonly downsample: PatchMerging | null;
  readonly blocks: SwinBlock[];
  /** The grid [H, W] the blocks see. */
  readonly resolution: Size2;
  readonly dim: number;
  private readonly lookup: RelativePositionLookup;
  private readonly mask: tf.Tensor3D | null;

  constructor(args: SwinStageArgs) {
    if (!args.downsample && args.inDim !== args.outDim) {
      throw new StudioError('internal/bug', `Swin stage ${args.key} without merging must keep its width (${args.inDim} -> ${args.outDim}).`);
    }
    this.resolution = args.resolution.actual;
    this.dim = args.outDim;
    this.downsample = args.downsample ? new PatchMerging({ key: joinKey(args.key, 'downsample'), inDim: args.inDim, outDim: args.outDim, seed: args.seed }) : null;
    const geometries = Array.from({ length: args.depth }, (_, j) =>
      windowGeometry({
        resolution: args.resolution.actual,
        declaredResolution: args.resolution.declared,
        targetWindow: args.window,
        shifted: j % 2 === 1,
        alwaysPartition: args.alwaysPartition,
      }),
    );
    // Clipping depends on the resolution only, so every block of a stage shares one window size.
    const window = geometries[0]?.window ?? args.window;
    this.lookup = new RelativePositionLookup(window);
    const shifted = geometries.find((g) => g.shift[0] !== 0 || g.shift[1] !== 0);
    this.mask = shifted === undefined ? null : this.maskTensor(shifted, args);
    this.blocks = geometries.map(
      (geometry, j) =>
        new SwinBlock({
          key: joinKey(args.key, `blocks.${j}`),
          dim: args.outDim,
          numHeads: args.numHeads,
          mlpRatio: args.mlpRatio,
          qkvBias: args.qkvBias,
          resolution: this.resolution,
          geometry,
          lookup: this.lookup,
          mask: geometry.shift[0] !== 0 || geometry.shift[1] !== 0 ? this.mask : null,
          seed: args.seed,
        }),
    );
  }

  private maskTensor(geometry: WindowGeometry, args: SwinStageArgs): tf.Tensor3D {
    const declared = args.resolution.declared;
    const declaredPadded = [Math.ceil(declared[0] / geometry.window[0]) * geometry.window[0], Math.ceil(declared[1] / geometry.window[1]) * geometry.window[1]];
    if (declaredPadded[0] !== geometry.padded[0] || declaredPadded[1] !== geometry.padded[1]) {
      // timm builds the mask for its floor-halved resolution and fails at run time on this grid too.
      throw new StudioError('model/unsupported', `Swin stage ${args.key}: an odd grid before patch merging leaves a shifted-window mask of the wrong size (timm fails here as well).`, {
        hint: 'Pick img_size / patch_size so every stage but the last has an even resolution.',
      });
    }
    const area = geometry.window[0] * geometry.window[1];
    const values = shiftedWindowMask(geometry) as Float32Array;
    return tf.tensor3d(values, [geometry.windowCount, area, area]);
  }

  /** Stage entry: patch merging (or a copy of the grid for stage 0). [B, H, W, C] in, caller owns the result. */
  enter(grid: tf.Tensor4D): tf.Tensor4D {
    const merged = this.downsample === null ? tf.clone(grid) : this.downsample.apply(grid);
    const [, h, w] = merged.shape;
    if (h !== this.resolution[0] || w !== this.resolution[1]) {
      merged.dispose();
      throw new StudioError('internal/bug', `Swin stage expects a ${this.resolution.join('x')} grid, got ${h}x${w}.`);
    }
    return merged;
  }

  /** [B, H, W, C] -> [B, H*W, C] in row-major order. Caller owns the result. */
  toTokens(grid: tf.Tensor4D): tf.Tensor3D {
    const [batch, h, w, channels] = grid.shape;
    return tf.reshape(grid, [batch, h * w, channels]);
  }

  /** [B, H*W, C] -> [B, H, W, C]. Caller owns the result. */
  toGrid(tokens: tf.Tensor3D): tf.Tensor4D {
    const [batch, , channels] = tokens.shape;
    return tf.reshape(tokens, [batch, this.resolution[0], this.resolution[1], channels]);
  }

  /** Runs block j on the full token grid [B, H*W, C]. Caller owns the result. */
  applyBlock(index: number, tokens: tf.Tensor3D, options: SwinBlockOptions = {}): tf.Tensor3D {
    const block = this.blocks[index];
    if (block === undefined) throw new StudioError('internal/bug', `Swin stage has ${this.blocks.length} blocks, no block ${index}.`);
    return block.apply(tokens, options);
  }

  /** entry + every block: [B, H, W, Cin] -> [B, H', W', C]. Caller owns the result. */
  apply(grid: tf.Tensor4D, options: SwinBlockOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      let tokens = this.toTokens(this.enter(grid));
      for (let j = 0; j < this.blocks.length; j++) tokens = this.applyBlock(j, tokens, options);
      return this.toGrid(tokens);
    });
  }

  parameters(): ParameterEntry[] {
    return [...(this.downsample?.parameters() ?? []), ...this.blocks.flatMap((block) => block.parameters())];
  }

  /** Frees the constant tensors (position lookup, shift mask); parameters are disposed by the model. */
  disposeConstants(): void {
    this.lookup.dispose();
    this.mask?.dispose();
  }
}
