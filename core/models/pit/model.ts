/**
 * timm's `PoolingVisionTransformer` (PiT): overlapping conv patch embedding, position embedding added
 * to the feature map, class (+ distillation) tokens carried through pooling stages, final LayerNorm
 * on the class tokens and a Linear head on the class token. Parameters carry timm's key names.
 */
import * as tf from '@tensorflow/tfjs-core';

import { Linear } from '../../tensor/linear';
import { LayerNorm } from '../../tensor/layer-norm';
import { createParameter } from '../../tensor/parameters';

import { Backbone } from '../backbone';

import { ConvEmbedding } from './conv-embedding';
import { PIT_NORM_EPS, PitStage } from './stage';

import type { BlockForwardOptions } from '../../tensor/block';
import type { ParameterEntry } from '../../tensor/parameters';
import type { ForwardOptions } from '../model';
import type { PitConfig } from './config';
import type { PitFeatures } from './stage';

/** Forward options of PiT: the backbone's, plus the block hooks (e.g. a masked softmax). */
export type PitForwardOptions = ForwardOptions & BlockForwardOptions;

export interface PoolingVisionTransformerArgs {
  config: PitConfig;
  /** Seed of the random initial weights. */
  seed?: number;
}

export class PoolingVisionTransformer extends Backbone {
  static readonly className = 'PoolingVisionTransformer';
  readonly architecture = 'pit';
  readonly config: PitConfig;
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** timm `pos_embed` [1, C, H, W] (NCHW, as in timm). */
  readonly posEmbed: ParameterEntry;
  /** timm `cls_token` [1, T, C]. */
  readonly classToken: ParameterEntry;
  readonly patchEmbed: ConvEmbedding;
  readonly stages: PitStage[];
  readonly norm: LayerNorm;
  readonly head: Linear | null;
  readonly headDist: Linear | null;
  readonly classTokenCount: number;
  readonly numFeatures: number;

  constructor(args: PoolingVisionTransformerArgs) {
    const { config } = args;
    super();
    const seed = args.seed ?? 0;
    this.config = config;
    this.inputShape = [config.inChans, config.imgSize[0], config.imgSize[1]];
    this.numClasses = config.numClasses;
    this.classTokenCount = config.distilled ? 2 : 1;
    const widths = config.baseDims.map((dim, i) => dim * (config.heads[i] as number));
    const first = widths[0] as number;
    this.patchEmbed = new ConvEmbedding({
      key: 'patch_embed.conv',
      imgSize: config.imgSize,
      inChans: config.inChans,
      outChans: first,
      kernel: config.patchSize,
      stride: config.stride,
      seed,
    });
    const [gh, gw] = this.patchEmbed.gridSize;
    this.posEmbed = createParameter({ key: 'pos_embed', timmShape: [1, first, gh, gw], init: { kind: 'truncated-normal', std: 0.02 }, seed });
    this.classToken = createParameter({ key: 'cls_token', timmShape: [1, this.classTokenCount, first], init: { kind: 'truncated-normal', std: 0.02 }, seed });
    this.stages = [];
    let resolution = this.patchEmbed.gridSize;
    config.depths.forEach((depth, i) => {
      const stage = new PitStage({
        key: `transformers.${i}`,
        inDim: (i === 0 ? first : widths[i - 1]) as number,
        dim: widths[i] as number,
        depth,
        heads: config.heads[i] as number,
        mlpRatio: config.mlpRatio,
        inputResolution: resolution,
        pool: i > 0,
        seed,
      });
      this.stages.push(stage);
      resolution = stage.resolution;
    });
    this.numFeatures = widths[widths.length - 1] as number;
    this.norm = new LayerNorm({ key: 'norm', dim: this.numFeatures, eps: PIT_NORM_EPS, seed });
    const makeHead = (key: string): Linear | null =>
      config.numClasses > 0 ? new Linear({ key, inFeatures: this.numFeatures, outFeatures: config.numClasses, useBias: true, seed }) : null;
    this.head = makeHead('head');
    this.headDist = config.distilled ? makeHead('head_dist') : null;
  }

  /** NCHW images -> patch grid + position embedding, and the batch's class tokens. Caller owns the result. */
  embed(images: tf.Tensor4D): PitFeatures {
    const batch = images.shape[0];
    return tf.tidy(() => {
      const position = tf.transpose(this.posEmbed.variable, [0, 2, 3, 1]);
      return {
        grid: tf.add(this.patchEmbed.apply(images), position) as tf.Tensor4D,
        classTokens: tf.tile(this.classToken.variable, [batch, 1, 1]) as tf.Tensor3D,
      };
    });
  }

  /** Images -> normalised class tokens [B, T, C] (timm `forward_features`). Caller owns the result. */
  forwardFeatures(images: tf.Tensor4D, options: PitForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      let features = this.embed(images);
      for (const stage of this.stages) features = stage.apply(features, options);
      return this.norm.apply(features.classTokens) as tf.Tensor3D;
    });
  }

  /** Normalised class tokens -> logits [B, classes] (or the class token [B, C] without a head). */
  forwardHead(classTokens: tf.Tensor3D): tf.Tensor2D {
    const [batch, , channels] = classTokens.shape;
    return tf.tidy(() => {
      const token = (index: number): tf.Tensor2D => tf.reshape(tf.slice(classTokens, [0, index, 0], [batch, 1, channels]), [batch, channels]);
      const cls = token(0);
      if (this.head === null) return cls;
      const logits = this.head.apply(cls);
      if (this.headDist === null) return logits as tf.Tensor2D;
      const distInput = this.config.distillationHeadToken === 'class' ? cls : token(1);
      return tf.div(tf.add(logits, this.headDist.apply(distInput)), 2) as tf.Tensor2D;
    });
  }

  /** NCHW images -> logits. Caller owns the result. */
  forward(images: tf.Tensor4D, options: PitForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.forwardHead(this.forwardFeatures(images, options)));
  }

  /** Class tokens + the stage's grid, for every block. */
  tokensPerBlock(): number[] {
    return this.stages.flatMap((stage) => stage.blocks.map(() => this.classTokenCount + stage.resolution[0] * stage.resolution[1]));
  }

  /** In timm's state-dict order. */
  parameters(): ParameterEntry[] {
    return [
      this.posEmbed,
      this.classToken,
      ...this.patchEmbed.parameters(),
      ...this.stages.flatMap((stage) => stage.parameters()),
      ...this.norm.parameters(),
      ...(this.head?.parameters() ?? []),
      ...(this.headDist?.parameters() ?? []),
    ];
  }
}
