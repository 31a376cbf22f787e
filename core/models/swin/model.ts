/**
 * timm's `SwinTransformer` (v1): patch embedding with LayerNorm, stages on NHWC grids, final
 * LayerNorm, global average pool, Linear head (`head.fc`). Parameters carry timm's key names.
 */
import * as tf from '@tensorflow/tfjs-core';

import { LayerNorm } from '../../tensor/layer-norm';
import { Linear } from '../../tensor/linear';

import { Backbone } from '../backbone';
import { ConvEmbedding } from '../pit/conv-embedding';

import { SWIN_NORM_EPS } from './block';
import { stageResolutions } from './geometry';
import { SwinStage } from './stage';

import type { ParameterEntry } from '../../tensor/parameters';
import type { ForwardOptions } from '../model';
import type { SwinBlockOptions } from './block';
import type { SwinConfig } from './config';

/** Forward options of Swin: the backbone's, plus the block hooks (e.g. a masked softmax). */
export type SwinForwardOptions = ForwardOptions & SwinBlockOptions;

export interface SwinTransformerArgs {
  config: SwinConfig;
  /** Seed of the random initial weights. */
  seed?: number;
}

export class SwinTransformer extends Backbone {
  static readonly className = 'SwinTransformer';
  readonly architecture = 'swin';
  readonly config: SwinConfig;
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** timm's PatchEmbed conv (kernel = stride = patch), as patchify + matMul; keys `patch_embed.proj.*`. */
  readonly patchEmbed: ConvEmbedding;
  readonly patchNorm: LayerNorm;
  readonly stages: SwinStage[];
  readonly norm: LayerNorm;
  readonly head: Linear | null;
  readonly numFeatures: number;

  constructor(args: SwinTransformerArgs) {
    super();
    const { config } = args;
    const seed = args.seed ?? 0;
    this.config = config;
    this.inputShape = [config.inChans, config.imgSize[0], config.imgSize[1]];
    this.numClasses = config.numClasses;
    const first = config.embedDims[0] as number;
    this.patchEmbed = new ConvEmbedding({
      key: 'patch_embed.proj',
      imgSize: config.imgSize,
      inChans: config.inChans,
      outChans: first,
      kernel: [config.patchSize, config.patchSize],
      stride: config.patchSize,
      seed,
    });
    this.patchNorm = new LayerNorm({ key: 'patch_embed.norm', dim: first, eps: SWIN_NORM_EPS, seed });
    const grid = [config.imgSize[0] / config.patchSize, config.imgSize[1] / config.patchSize] as const;
    const resolutions = stageResolutions(grid, config.depths.length);
    this.stages = config.depths.map(
      (depth, i) =>
        new SwinStage({
          key: `layers.${i}`,
          inDim: (i === 0 ? first : config.embedDims[i - 1]) as number,
          outDim: config.embedDims[i] as number,
          depth,
          numHeads: config.numHeads[i] as number,
          window: config.windowSizes[i] as readonly [number, number],
          mlpRatio: config.mlpRatios[i] as number,
          qkvBias: config.qkvBias,
          alwaysPartition: config.alwaysPartition,
          resolution: resolutions[i] as (typeof resolutions)[number],
          downsample: i > 0,
          seed,
        }),
    );
    this.numFeatures = config.embedDims[config.embedDims.length - 1] as number;
    this.norm = new LayerNorm({ key: 'norm', dim: this.numFeatures, eps: SWIN_NORM_EPS, seed });
    this.head = config.numClasses > 0 ? new Linear({ key: 'head.fc', inFeatures: this.numFeatures, outFeatures: config.numClasses, useBias: true, seed }) : null;
  }

  /** NCHW images [B, C, H, W] -> normalised patch grid [B, H/p, W/p, C0]. Caller owns the result. */
  embed(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.patchNorm.apply(this.patchEmbed.apply(images)) as tf.Tensor4D);
  }

  /** Images -> final normalised grid [B, H, W, C] (timm `forward_features`). Caller owns the result. */
  forwardFeatures(images: tf.Tensor4D, options: SwinForwardOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      let grid = this.embed(images);
      for (const stage of this.stages) grid = stage.apply(grid, options);
      return this.norm.apply(grid) as tf.Tensor4D;
    });
  }

  /** Normalised grid [B, H, W, C] -> logits [B, classes] (or pooled features [B, C] without a head). */
  forwardHead(grid: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      if (this.config.globalPool === '') return tf.reshape(grid, [grid.shape[0], -1]) as tf.Tensor2D;
      const pooled = tf.mean(grid, [1, 2]) as tf.Tensor2D;
      return (this.head === null ? pooled : this.head.apply(pooled)) as tf.Tensor2D;
    });
  }

  /** NCHW images -> logits. Caller owns the result. */
  forward(images: tf.Tensor4D, options: SwinForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.forwardHead(this.forwardFeatures(images, options)));
  }

  /** Every block sees its stage's full grid. */
  tokensPerBlock(): number[] {
    return this.stages.flatMap((stage) => stage.blocks.map(() => stage.resolution[0] * stage.resolution[1]));
  }

  parameters(): ParameterEntry[] {
    return [
      ...this.patchEmbed.parameters(),
      ...this.patchNorm.parameters(),
      ...this.stages.flatMap((stage) => stage.parameters()),
      ...this.norm.parameters(),
      ...(this.head?.parameters() ?? []),
    ];
  }

  /** Frees every variable and constant of the model. */
  override dispose(): void {
    super.dispose();
    for (const stage of this.stages) stage.disposeConstants();
  }
}
