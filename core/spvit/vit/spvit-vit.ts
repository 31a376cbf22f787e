/**
 * SPViT on a timm ViT/DeiT: token selectors in front of configured blocks, package tokens, masked
 * training, and inference with tokens removed (spec Part A). Parameters: the backbone's timm keys
 * plus `selectors.{k}.*`.
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../../shared/errors';
import { Backbone } from '../../models/backbone';
import { drawDecisionNoise, drawImageNoise, observeRules, topkCount } from '../decisions';
import { TRAIN_POLICY_EPS, EVAL_POLICY_EPS } from '../masked-softmax';
import { groupParameters } from '../model';
import { TokenSelector } from '../selector';
import { scoreMargin } from '../sequence-ops';
import { selectorPositions } from '../settings';
import { hardGumbelKeep } from '../straight-through';
import { tidyResult } from '../tidy';

import { hostMaskedDecider } from '../host-decider';
import { maskedPass } from './masked-pass';
import { prunedPass } from './pruned-pass';

import type { VisionTransformer } from '../../models/vit/model';
import type { Jsonable } from '../../shared/jsonable';
import type { ParameterEntry } from '../../tensor/parameters';
import type { DecisionRule } from '../decisions';
import type { DenseOutput, InferOptions, ParameterGroups, SpvitInferenceOutput, SpvitModel, SpvitTrainOutput, TrainForwardOptions } from '../model';
import type { SpvitSettings } from '../settings';
import type { MaskedTrace } from './masked-pass';

export interface SpvitVitArgs {
  backbone: VisionTransformer;
  settings: SpvitSettings;
  /** Seed of the selectors' random initial weights. */
  seed?: number;
}

function unsupported(message: string, hint: string): StudioError {
  return new StudioError('model/unsupported', message, { hint });
}

function checkBackbone(backbone: VisionTransformer): void {
  const c = backbone.config;
  if (!c.classToken || c.globalPool !== 'token' || c.distilled || c.regTokens > 0) {
    throw unsupported('SPViT needs a ViT with one class token read by the head (no distillation or register tokens, global_pool token).', 'Use a plain VisionTransformer / DeiT config.');
  }
}

function checkBlocks(blocks: readonly (number | null)[], depth: number): number[] {
  const positions = blocks.filter((block): block is number => block !== null);
  const increasing = positions.every((block, i) => i === 0 || block > (positions[i - 1] as number));
  if (positions.length !== blocks.length || !increasing || positions.some((block) => block >= depth)) {
    throw new StudioError('model/invalid-config', `Selector blocks [${blocks.join(', ')}] must be increasing block indices below depth ${depth}.`, {
      hint: 'For DeiT use [3, 6, 9].',
    });
  }
  return positions;
}

export class SpvitVisionTransformer extends Backbone implements SpvitModel {
  static readonly className = 'SpvitVisionTransformer';
  readonly architecture = 'spvit-vit';
  readonly backbone: VisionTransformer;
  readonly settings: SpvitSettings;
  readonly selectors: TokenSelector[];
  readonly selectorBlocks: number[];
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Spatial tokens N and their grid side. */
  readonly spatialTokens: number;
  readonly gridSize: number;

  constructor(args: SpvitVitArgs) {
    super();
    checkBackbone(args.backbone);
    this.backbone = args.backbone;
    this.settings = args.settings;
    this.selectorBlocks = checkBlocks(args.settings.selector.blocks, args.backbone.config.depth);
    this.inputShape = args.backbone.inputShape;
    this.numClasses = args.backbone.numClasses;
    this.gridSize = args.backbone.patchEmbed.gridSize;
    this.spatialTokens = args.backbone.patchEmbed.numPatches;
    const { embedDim, numHeads } = args.backbone.config;
    this.selectors = selectorPositions(args.settings).map(
      (_, k) =>
        new TokenSelector({
          key: `selectors.${k}`,
          dim: embedDim,
          numHeads,
          sharedHeadWeights: args.settings.selector.sharedHeadWeights,
          normEps: args.settings.selector.normEps,
          seed: args.seed ?? 0,
          // Cumulative targets: this selector keeps rho_k / rho_{k-1} of the tokens still alive.
          initialKeep: (args.settings.keepRatios[k] as number) / (k === 0 ? 1 : (args.settings.keepRatios[k - 1] as number)),
        }),
    );
  }

  get config(): Jsonable {
    return { backbone: this.backbone.config, spvit: this.settings } as unknown as Jsonable;
  }

  forwardTrain(images: tf.Tensor4D, options: TrainForwardOptions): SpvitTrainOutput {
    const batch = images.shape[0];
    const noise = this.selectors.map(() => drawDecisionNoise(options.random, batch, this.spatialTokens, options.noiseScale));
    return tidyResult(() => {
      const pass = maskedPass(images, {
        ...this.passOptions(),
        eps: TRAIN_POLICY_EPS,
        decide: ({ stage, predScore, previous }) => {
          const margin = scoreMargin(predScore);
          const drawn = tf.tensor2d(noise[stage] as Float32Array, [batch, this.spatialTokens]);
          return tf.mul(hardGumbelKeep(margin, drawn, options.tau ?? 1), previous);
        },
      });
      const { logits, spatialTokens } = this.readout(pass.tokens);
      const finalKeepMask = pass.keepMasks[pass.keepMasks.length - 1] ?? (tf.ones([batch, this.spatialTokens]) as tf.Tensor2D);
      return { logits, keepMasks: pass.keepMasks, spatialTokens, finalKeepMask };
    });
  }

  forwardDense(images: tf.Tensor4D): DenseOutput {
    return tidyResult(() => this.readout(this.backbone.runBlocks(this.backbone.embed(images))));
  }

  infer(images: tf.Tensor4D, options: InferOptions = {}): SpvitInferenceOutput {
    const rules = this.decisionRules(images.shape[0], options);
    const grid: [number, number] = [this.gridSize, this.gridSize];
    if (options.removeTokens === false) {
      const { logits, masks, finalTokens } = this.inferMasked(images, rules, false);
      finalTokens.dispose();
      return { logits, decisions: masks.map((kept) => ({ grid, kept })) };
    }
    const pass = prunedPass(images, { ...this.passOptions(), rules });
    const logits = tf.tidy(() => this.readout(pass.tokens, false).logits);
    pass.tokens.dispose();
    return { logits, decisions: pass.masks.map((kept) => ({ grid, kept })) };
  }

  /** Masked evaluation with every intermediate (fixture checks, debugging). Caller owns the trace. */
  inferMasked(images: tf.Tensor4D, rules: readonly DecisionRule[], trace: boolean): { logits: tf.Tensor2D; masks: Uint8Array[]; trace: MaskedTrace | null; finalTokens: tf.Tensor3D } {
    const masks: Uint8Array[] = [];
    const result = tidyResult(() => {
      const pass = maskedPass(images, { ...this.passOptions(), eps: EVAL_POLICY_EPS, decide: hostMaskedDecider(rules, masks), trace });
      const normed = this.backbone.norm === null ? pass.tokens : (this.backbone.norm.apply(pass.tokens) as tf.Tensor3D);
      return { logits: this.readout(pass.tokens, false).logits, finalTokens: normed, trace: pass.trace };
    });
    return { ...result, masks };
  }

  /** Per selector: the mode, the stochastic noise (drawn in selector order from the seed) and topk counts. */
  decisionRules(batch: number, options: InferOptions = {}): DecisionRule[] {
    const mode = options.mode ?? this.settings.inference.mode;
    const tokens = this.selectors.map(() => this.spatialTokens);
    const noise = mode === 'stochastic' ? drawImageNoise(options.seed ?? this.settings.inference.seed, options.firstImage ?? 0, batch, tokens) : null;
    const rules = this.selectors.map((_, k) => ({
      mode,
      noise: noise?.[k] ?? null,
      keepCount: topkCount(this.settings.keepRatios[k] as number, this.spatialTokens),
      spatialTokens: this.spatialTokens,
    }));
    return observeRules(rules, options.onScores);
  }

  forward(images: tf.Tensor4D): tf.Tensor2D {
    return this.infer(images).logits;
  }

  /** Expected tokens entering each block at the target keep ratios (CLS + kept + packages). */
  tokensPerBlock(): number[] {
    let tokens = 1 + this.spatialTokens;
    return this.backbone.blocks.map((_, i) => {
      const stage = this.selectorBlocks.indexOf(i);
      if (stage >= 0) tokens = 1 + topkCount(this.settings.keepRatios[stage] as number, this.spatialTokens) + stage + 1;
      return tokens;
    });
  }

  parameters(): ParameterEntry[] {
    return [...this.backbone.parameters(), ...this.selectors.flatMap((selector) => selector.parameters())];
  }

  parameterGroups(): ParameterGroups {
    return groupParameters(this.parameters());
  }

  private passOptions() {
    return { backbone: this.backbone, selectors: this.selectors, selectorBlocks: this.selectorBlocks, packageMode: this.settings.package.mode };
  }

  /** Final norm -> logits from CLS, and the normed spatial tokens [B, N, C]. */
  private readout(tokens: tf.Tensor3D, withSpatial = true): DenseOutput {
    return tidyResult(() => {
      const [batch, length, dim] = tokens.shape;
      const normed = this.backbone.norm === null ? tokens : this.backbone.norm.apply(tokens);
      const cls = tf.reshape(tf.slice(normed, [0, 0, 0], [batch, 1, dim]), [batch, dim]);
      const logits = (this.backbone.head === null ? cls : this.backbone.head.apply(cls)) as tf.Tensor2D;
      const count = withSpatial ? Math.min(this.spatialTokens, length - 1) : 0;
      return { logits, spatialTokens: tf.slice(normed, [0, 1, 0], [batch, count, dim]) as tf.Tensor3D };
    });
  }
}
