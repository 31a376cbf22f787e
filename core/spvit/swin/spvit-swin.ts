/**
 * SPViT on timm's Swin (v1): one selector per stage (default: in front of the first block of stages
 * 2-4, i.e. right after patch merging, as the paper describes), package tokens as global keys of
 * every window, merged between stages by the same patch merging as the grid (4 copies of the token),
 * and the grid kept whole (dropped tokens keep their last value). Keep ratios are fractions of each
 * stage's grid. The head pools the grid only, as timm's does.
 */
import * as tf from '@tensorflow/tfjs-core';

import { Backbone } from '../../models/backbone';
import { drawDecisionNoise, drawImageNoise, observeRules, topkCount } from '../decisions';
import { planStages } from '../hierarchical-plan';
import { EVAL_POLICY_EPS, TRAIN_POLICY_EPS } from '../masked-softmax';
import { groupParameters } from '../model';
import { TokenSelector } from '../selector';
import { scoreMargin } from '../sequence-ops';
import { hardGumbelKeep } from '../straight-through';
import { tidyResult } from '../tidy';
import { hostMaskedDecider } from '../host-decider';

import { runSwinStage } from './stage-pass';

import type { SwinTransformer } from '../../models/swin/model';
import type { SwinStage } from '../../models/swin/stage';
import type { Jsonable } from '../../shared/jsonable';
import type { ParameterEntry } from '../../tensor/parameters';
import type { DecisionRule } from '../decisions';
import type { StagePlan } from '../hierarchical-plan';
import type { DenseOutput, InferOptions, ParameterGroups, SpvitInferenceOutput, SpvitModel, SpvitTrainOutput, TrainForwardOptions } from '../model';
import type { SpvitSettings } from '../settings';
import type { SwinStagePassOptions } from './stage-pass';

export interface SpvitSwinArgs {
  backbone: SwinTransformer;
  settings: SpvitSettings;
  seed?: number;
}

type PassChoice = Pick<SwinStagePassOptions, 'eps' | 'decide'> & { rules?: readonly DecisionRule[] };

/** Patch merging of a package token: the token as all four 2x2 neighbours. */
function mergePackages(stage: SwinStage, packages: tf.Tensor3D): tf.Tensor3D {
  if (stage.downsample === null) return tf.clone(packages);
  // No packages yet: an empty [B, 0, C'] at the merged width (an empty matMul upsets XNNPACK).
  if (packages.shape[1] === 0) return tf.zeros([packages.shape[0], 0, stage.dim]);
  const merge = stage.downsample;
  return tf.tidy(() => merge.reduction.apply(merge.norm.apply(tf.concat([packages, packages, packages, packages], -1))) as tf.Tensor3D);
}

export class SpvitSwinTransformer extends Backbone implements SpvitModel {
  static readonly className = 'SpvitSwinTransformer';
  readonly architecture = 'spvit-swin';
  readonly backbone: SwinTransformer;
  readonly settings: SpvitSettings;
  readonly selectors: TokenSelector[];
  readonly plans: StagePlan[];
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;

  constructor(args: SpvitSwinArgs) {
    super();
    const { backbone, settings } = args;
    this.backbone = backbone;
    this.settings = settings;
    this.plans = planStages(settings, backbone.config.depths, 'Swin');
    this.inputShape = backbone.inputShape;
    this.numClasses = backbone.numClasses;
    this.selectors = this.plans.flatMap((plan, stage) =>
      plan.selector < 0
        ? []
        : [
            new TokenSelector({
              key: `selectors.${plan.selector}`,
              dim: backbone.config.embedDims[stage] as number,
              numHeads: backbone.config.numHeads[stage] as number,
              sharedHeadWeights: settings.selector.sharedHeadWeights,
              normEps: settings.selector.normEps,
              seed: args.seed ?? 0,
              // Per-stage targets: a fraction of this stage's (restored) grid.
              initialKeep: settings.keepRatios[plan.selector] as number,
            }),
          ],
    );
  }

  get config(): Jsonable {
    return { backbone: this.backbone.config, spvit: this.settings } as unknown as Jsonable;
  }

  selectorGrids(): Array<[number, number]> {
    return this.plans.flatMap((plan, stage) => (plan.selector < 0 ? [] : [[...(this.backbone.stages[stage]?.resolution ?? [0, 0])] as [number, number]]));
  }

  private gridSizes(): number[] {
    return this.selectorGrids().map(([h, w]) => h * w);
  }

  /** Every stage; returns the final grid [B, H*W, C], its grid shape, keep masks and host masks. */
  private run(images: tf.Tensor4D, choice: PassChoice): { grid: tf.Tensor4D; keepMasks: tf.Tensor2D[]; kept: Uint8Array[] } {
    const kept: Uint8Array[] = [];
    const result = tidyResult(() => {
      const keepMasks: tf.Tensor2D[] = [];
      let grid = this.backbone.embed(images);
      let packages: tf.Tensor3D = tf.zeros([images.shape[0], 0, grid.shape[3]]);
      this.backbone.stages.forEach((stage, i) => {
        const entered = stage.enter(grid);
        const [batch, h, w, dim] = entered.shape;
        const plan = this.plans[i] as StagePlan;
        const rule = plan.selector >= 0 ? choice.rules?.[plan.selector] : undefined;
        const out = runSwinStage(
          stage,
          { grid: tf.reshape(entered, [batch, h * w, dim]), packages: mergePackages(stage, packages) },
          {
            selectorBlock: plan.block,
            selector: plan.selector < 0 ? null : (this.selectors[plan.selector] as TokenSelector),
            selectorIndex: plan.selector,
            packageMode: this.settings.package.mode,
            eps: choice.eps,
            ...(choice.decide === undefined ? {} : { decide: choice.decide }),
            ...(rule === undefined ? {} : { rule }),
          },
        );
        if (out.keep !== null) keepMasks.push(out.keep);
        if (out.kept !== null) kept.push(out.kept);
        grid = tf.reshape(out.grid, [batch, h, w, dim]);
        packages = out.packages;
      });
      return { grid, keepMasks };
    });
    return { ...result, kept };
  }

  private readout(grid: tf.Tensor4D): DenseOutput {
    return tidyResult(() => {
      const normed = this.backbone.norm.apply(grid) as tf.Tensor4D;
      const [batch, h, w, dim] = normed.shape;
      return { logits: this.backbone.forwardHead(normed), spatialTokens: tf.reshape(normed, [batch, h * w, dim]) as tf.Tensor3D };
    });
  }

  forwardTrain(images: tf.Tensor4D, options: TrainForwardOptions): SpvitTrainOutput {
    const batch = images.shape[0];
    const sizes = this.gridSizes();
    const noise = sizes.map((size) => drawDecisionNoise(options.random, batch, size, options.noiseScale));
    return tidyResult(() => {
      const { grid, keepMasks } = this.run(images, {
        eps: TRAIN_POLICY_EPS,
        decide: ({ stage, predScore }) => hardGumbelKeep(scoreMargin(predScore), tf.tensor2d(noise[stage] as Float32Array, [batch, sizes[stage] as number]), options.tau ?? 1),
      });
      const { logits, spatialTokens } = this.readout(grid);
      const lastPlan = this.plans[this.plans.length - 1] as StagePlan;
      const finalKeepMask = lastPlan.selector >= 0 ? (keepMasks[keepMasks.length - 1] as tf.Tensor2D) : (tf.ones([batch, spatialTokens.shape[1]]) as tf.Tensor2D);
      return { logits, keepMasks, spatialTokens, finalKeepMask };
    });
  }

  forwardDense(images: tf.Tensor4D): DenseOutput {
    return tidyResult(() => {
      let grid = this.backbone.embed(images);
      for (const stage of this.backbone.stages) grid = stage.apply(grid);
      return this.readout(grid);
    });
  }

  decisionRules(batch: number, options: InferOptions = {}): DecisionRule[] {
    const mode = options.mode ?? this.settings.inference.mode;
    const sizes = this.gridSizes();
    const noise = mode === 'stochastic' ? drawImageNoise(options.seed ?? this.settings.inference.seed, options.firstImage ?? 0, batch, sizes) : null;
    const rules = sizes.map((size, k) => ({ mode, noise: noise?.[k] ?? null, keepCount: topkCount(this.settings.keepRatios[k] as number, size), spatialTokens: size }));
    return observeRules(rules, options.onScores);
  }

  infer(images: tf.Tensor4D, options: InferOptions = {}): SpvitInferenceOutput {
    const rules = this.decisionRules(images.shape[0], options);
    const grids = this.selectorGrids();
    const masks: Uint8Array[] = [];
    const removed = options.removeTokens !== false;
    const pass = removed ? this.run(images, { eps: EVAL_POLICY_EPS, rules }) : this.run(images, { eps: EVAL_POLICY_EPS, decide: hostMaskedDecider(rules, masks) });
    const out = this.readout(pass.grid);
    tf.dispose([pass.grid, pass.keepMasks, out.spatialTokens]);
    const decided = removed ? pass.kept : masks;
    return { logits: out.logits, decisions: decided.map((kept, k) => ({ grid: grids[k] as [number, number], kept })) };
  }

  forward(images: tf.Tensor4D): tf.Tensor2D {
    return this.infer(images).logits;
  }

  /** Tokens the MLP of each block sees at the target keep ratios (kept grid tokens + packages). */
  tokensPerBlock(): number[] {
    const out: number[] = [];
    let packages = 0;
    this.backbone.stages.forEach((stage, i) => {
      const plan = this.plans[i] as StagePlan;
      const size = stage.resolution[0] * stage.resolution[1];
      let tokens = size + packages;
      stage.blocks.forEach((_, j) => {
        if (j === plan.block) {
          packages += 1;
          tokens = topkCount(this.settings.keepRatios[plan.selector] as number, size) + packages;
        }
        out.push(tokens);
      });
    });
    return out;
  }

  parameters(): ParameterEntry[] {
    return [...this.backbone.parameters(), ...this.selectors.flatMap((selector) => selector.parameters())];
  }

  parameterGroups(): ParameterGroups {
    return groupParameters(this.parameters());
  }

  override dispose(): void {
    for (const selector of this.selectors) for (const entry of selector.parameters()) entry.variable.dispose();
    this.backbone.dispose();
  }
}
