/**
 * timm's VisionTransformer (and DeiT's VisionTransformerDistilled): patch embedding, class /
 * distillation / register tokens, learned position embedding, pre-norm blocks, final norm, pooling
 * and head. The stages are public methods so token-pruning code (SPViT) can run blocks itself.
 */
import * as tf from '@tensorflow/tfjs-core';

import { TransformerBlock } from '../../tensor/block';
import { LayerNorm } from '../../tensor/layer-norm';
import { Linear } from '../../tensor/linear';
import { createParameter } from '../../tensor/parameters';
import { PatchEmbedding } from '../../tensor/patch-embedding';
import { sliceAxis, takeAxis } from '../../tensor/slice-axis';
import { Backbone } from '../backbone';

import { patchCount, prefixTokenCount, VIT_NORM_EPS } from './config';

import type { BlockForwardOptions } from '../../tensor/block';
import type { ParameterEntry } from '../../tensor/parameters';
import type { VitConfig } from './config';

export interface VisionTransformerArgs {
  config: VitConfig;
  /** Seed of the random initial weights. */
  seed?: number;
}

/** Logits of the class head and, for the distilled model, of the distillation head. */
export type VitHeadOutputs = {
  logits: tf.Tensor2D;
  /** Present only for the distilled model with a head. */
  distLogits: tf.Tensor2D | undefined;
};

export class VisionTransformer extends Backbone {
  static readonly className = 'VisionTransformer';
  readonly architecture = 'vit';
  readonly config: VitConfig;
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly patchEmbed: PatchEmbedding;
  readonly clsToken: ParameterEntry | null;
  readonly distToken: ParameterEntry | null;
  readonly regToken: ParameterEntry | null;
  readonly posEmbed: ParameterEntry | null;
  readonly normPre: LayerNorm | null;
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm | null;
  readonly fcNorm: LayerNorm | null;
  readonly head: Linear | null;
  readonly headDist: Linear | null;
  /** Class, distillation and register tokens in front of the patch tokens. */
  readonly numPrefixTokens: number;

  constructor(args: VisionTransformerArgs) {
    super();
    const config = args.config;
    const seed = args.seed ?? 0;
    const dim = config.embedDim;
    this.config = config;
    this.inputShape = [config.inChans, config.imgSize, config.imgSize];
    this.numClasses = config.numClasses;
    this.numPrefixTokens = prefixTokenCount(config);
    this.patchEmbed = new PatchEmbedding({
      key: 'patch_embed',
      imgSize: config.imgSize,
      patchSize: config.patchSize,
      inChans: config.inChans,
      embedDim: dim,
      useBias: !config.preNorm,
      seed,
    });
    this.clsToken = config.classToken ? createParameter({ key: 'cls_token', timmShape: [1, 1, dim], init: { kind: 'normal', std: 1e-6 }, seed }) : null;
    this.regToken =
      config.regTokens > 0 ? createParameter({ key: 'reg_token', timmShape: [1, config.regTokens, dim], init: { kind: 'normal', std: 1e-6 }, seed }) : null;
    const embedLength = config.noEmbedClass ? patchCount(config) : patchCount(config) + this.numPrefixTokens;
    this.posEmbed = config.posEmbed ? createParameter({ key: 'pos_embed', timmShape: [1, embedLength, dim], init: { kind: 'truncated-normal', std: 0.02 }, seed }) : null;
    this.distToken = config.distilled ? createParameter({ key: 'dist_token', timmShape: [1, 1, dim], init: { kind: 'truncated-normal', std: 0.02 }, seed }) : null;
    this.normPre = config.preNorm ? new LayerNorm({ key: 'norm_pre', dim, eps: VIT_NORM_EPS, seed }) : null;
    this.blocks = Array.from(
      { length: config.depth },
      (_, i) =>
        new TransformerBlock({
          key: `blocks.${i}`,
          dim,
          numHeads: config.numHeads,
          mlpRatio: config.mlpRatio,
          qkvBias: config.qkvBias,
          qkNorm: config.qkNorm,
          projBias: config.projBias,
          layerScaleInit: config.initValues,
          normEps: VIT_NORM_EPS,
          seed,
        }),
    );
    this.norm = config.finalNorm && !config.fcNorm ? new LayerNorm({ key: 'norm', dim, eps: VIT_NORM_EPS, seed }) : null;
    this.fcNorm = config.finalNorm && config.fcNorm ? new LayerNorm({ key: 'fc_norm', dim, eps: VIT_NORM_EPS, seed }) : null;
    const makeHead = (key: string): Linear | null =>
      config.numClasses > 0 ? new Linear({ key, inFeatures: dim, outFeatures: config.numClasses, useBias: true, seed }) : null;
    this.head = makeHead('head');
    this.headDist = config.distilled ? makeHead('head_dist') : null;
  }

  /** NCHW images -> tokens [B, prefix + patches, D] with position embedding (and norm_pre). */
  embed(images: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      let patches: tf.Tensor = this.patchEmbed.apply(images);
      const batch = images.shape[0];
      const prefix = [this.clsToken, this.distToken, this.regToken]
        .filter((entry): entry is ParameterEntry => entry !== null)
        .map((entry) => tf.tile(entry.variable, [batch, 1, 1]));
      let tokens: tf.Tensor;
      if (this.posEmbed !== null && this.config.noEmbedClass) {
        patches = tf.add(patches, this.posEmbed.variable);
        tokens = prefix.length > 0 ? tf.concat([...prefix, patches], 1) : patches;
      } else {
        tokens = prefix.length > 0 ? tf.concat([...prefix, patches], 1) : patches;
        if (this.posEmbed !== null) tokens = tf.add(tokens, this.posEmbed.variable);
      }
      return (this.normPre === null ? tokens : this.normPre.apply(tokens)) as tf.Tensor3D;
    });
  }

  /** Runs every block; `blockOptions(i)` may supply per-block options (e.g. a masked softmax). */
  runBlocks(tokens: tf.Tensor3D, blockOptions?: (index: number) => BlockForwardOptions): tf.Tensor3D {
    return tf.tidy(() => {
      let x = tokens;
      this.blocks.forEach((block, i) => {
        x = block.apply(x, blockOptions?.(i) ?? {});
      });
      return x === tokens ? tf.clone(x) : x;
    });
  }

  /** Final norm, pooling, fc_norm and heads on the block output [B, N, D]. */
  headOutputs(tokens: tf.Tensor3D): VitHeadOutputs {
    return tf.tidy(() => {
      const normed = this.norm === null ? tokens : this.norm.apply(tokens);
      const count = normed.shape[1] as number;
      const token = (index: number): tf.Tensor2D => takeAxis(normed, 1, index) as tf.Tensor2D;
      if (this.config.distilled) {
        const cls = token(0);
        const dist = token(1);
        if (this.head === null || this.headDist === null) return { logits: tf.div(tf.add(cls, dist), 2) as tf.Tensor2D, distLogits: undefined };
        return { logits: this.head.apply(cls) as tf.Tensor2D, distLogits: this.headDist.apply(dist) as tf.Tensor2D };
      }
      let pooled: tf.Tensor2D;
      if (this.config.globalPool === 'token') {
        pooled = token(0);
      } else {
        const start = this.config.poolIncludePrefix ? 0 : this.numPrefixTokens;
        const body = sliceAxis(normed, 1, start, count - start);
        const mean = (): tf.Tensor2D => tf.mean(body, 1);
        const max = (): tf.Tensor2D => tf.max(body, 1);
        pooled = this.config.globalPool === 'avg' ? mean() : this.config.globalPool === 'max' ? max() : tf.mul(tf.add(mean(), max()), 0.5);
      }
      if (this.fcNorm !== null) pooled = this.fcNorm.apply(pooled) as tf.Tensor2D;
      return { logits: (this.head === null ? pooled : this.head.apply(pooled)) as tf.Tensor2D, distLogits: undefined };
    });
  }

  /** The eval-mode output: the class logits, or the mean of both heads for the distilled model. */
  classify(tokens: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const { logits, distLogits } = this.headOutputs(tokens);
      return distLogits === undefined ? logits : (tf.div(tf.add(logits, distLogits), 2) as tf.Tensor2D);
    });
  }

  forward(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.classify(this.runBlocks(this.embed(images))));
  }

  tokensPerBlock(): number[] {
    return this.blocks.map(() => this.numPrefixTokens + this.patchEmbed.numPatches);
  }

  parameters(): ParameterEntry[] {
    const single = (entry: ParameterEntry | null): ParameterEntry[] => (entry === null ? [] : [entry]);
    return [
      ...single(this.clsToken),
      ...single(this.regToken),
      ...single(this.posEmbed),
      ...single(this.distToken),
      ...this.patchEmbed.parameters(),
      ...(this.normPre?.parameters() ?? []),
      ...this.blocks.flatMap((block) => block.parameters()),
      ...(this.norm?.parameters() ?? []),
      ...(this.fcNorm?.parameters() ?? []),
      ...(this.head?.parameters() ?? []),
      ...(this.headDist?.parameters() ?? []),
    ];
  }
}
