/**
 * SPViT on timm's PiT: one selector per stage (default in front of blocks [1, 3, 2] of the three
 * stages), package tokens carried across stages and pooled by the same Linear as the class token (as
 * PiT's official code does with its package token), and the full grid restored before each pooling
 * (dropped positions keep their last value). Keep ratios are fractions of each stage's grid.
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

import { maskedStage, prunedStage } from './stage-pass';

import type { PoolingVisionTransformer } from '../../models/pit/model';
import type { Jsonable } from '../../shared/jsonable';
import type { ParameterEntry } from '../../tensor/parameters';
import type { DecisionRule } from '../decisions';
import type { StagePlan } from '../hierarchical-plan';
import type { DenseOutput, InferOptions, ParameterGroups, SpvitInferenceOutput, SpvitModel, SpvitTrainOutput, TrainForwardOptions } from '../model';
import type { SpvitSettings } from '../settings';
import type { MaskedDecider } from '../masked-decider';
import type { StagePassOptions, StageTokens } from './stage-pass';

export interface SpvitPitArgs {
  backbone: PoolingVisionTransformer;
  settings: SpvitSettings;
  seed?: number;
}

type StageRunner = (stage: number, input: StageTokens, options: StagePassOptions) => StageTokens & { keep?: tf.Tensor2D | null };

export class SpvitPoolingVisionTransformer extends Backbone implements SpvitModel {
  static readonly className = 'SpvitPoolingVisionTransformer';
  readonly architecture = 'spvit-pit';
  readonly backbone: PoolingVisionTransformer;
  readonly settings: SpvitSettings;
  readonly selectors: TokenSelector[];
  readonly plans: StagePlan[];
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;

  constructor(args: SpvitPitArgs) {
    super();
    const { backbone, settings } = args;
    this.backbone = backbone;
    this.settings = settings;
    this.plans = planStages(settings, backbone.config.depths, 'PiT');
    this.inputShape = backbone.inputShape;
    this.numClasses = backbone.numClasses;
    this.selectors = [];
    this.plans.forEach((plan, stage) => {
      if (plan.selector < 0) return;
      const s = backbone.stages[stage];
      this.selectors.push(
        new TokenSelector({
          key: `selectors.${plan.selector}`,
          dim: s?.dim ?? 0,
          numHeads: backbone.config.heads[stage] as number,
          sharedHeadWeights: settings.selector.sharedHeadWeights,
          normEps: settings.selector.normEps,
          seed: args.seed ?? 0,
          // Per-stage targets: a fraction of this stage's (restored) grid.
          initialKeep: settings.keepRatios[plan.selector] as number,
        }),
      );
    });
  }

  get config(): Jsonable {
    return { backbone: this.backbone.config, spvit: this.settings } as unknown as Jsonable;
  }

  /** The grid [h, w] each selector prunes. */
  selectorGrids(): Array<[number, number]> {
    return this.plans.flatMap((plan, stage) => (plan.selector < 0 ? [] : [[...(this.backbone.stages[stage]?.resolution ?? [0, 0])] as [number, number]]));
  }

  private gridSizes(): number[] {
    return this.selectorGrids().map(([h, w]) => h * w);
  }

  /**
   * Embedding, then every stage (pooling class tokens and packages with the stage's fc). Returns the
   * last stage's class tokens and grid, and the keep masks the stages returned (masked passes).
   */
  private run(images: tf.Tensor4D, runStage: StageRunner): { classTokens: tf.Tensor3D; grid: tf.Tensor3D; keepMasks: tf.Tensor2D[] } {
    return tidyResult(() => {
      const keepMasks: tf.Tensor2D[] = [];
      const embedded = this.backbone.embed(images);
      const classCount = embedded.classTokens.shape[1];
      let grid = embedded.grid;
      let tokens: tf.Tensor3D = embedded.classTokens;
      let last: (StageTokens & { keep?: tf.Tensor2D | null }) | null = null;
      this.backbone.stages.forEach((stage, i) => {
        const entered = stage.enter({ grid, classTokens: tokens });
        const [batch, h, w, dim] = entered.grid.shape;
        const carried = entered.classTokens.shape[1];
        const input: StageTokens = {
          prefix: tf.slice(entered.classTokens, [0, 0, 0], [batch, classCount, dim]),
          grid: tf.reshape(entered.grid, [batch, h * w, dim]),
          packages: tf.slice(entered.classTokens, [0, classCount, 0], [batch, carried - classCount, dim]),
        };
        const plan = this.plans[i] as StagePlan;
        last = runStage(i, input, {
          depth: stage.blocks.length,
          applyBlock: (j, x, options) => stage.applyBlock(j, x, options),
          selectorBlock: plan.block,
          selector: plan.selector < 0 ? null : (this.selectors[plan.selector] as TokenSelector),
          selectorIndex: plan.selector,
          packageMode: this.settings.package.mode,
        });
        if (last.keep !== undefined && last.keep !== null) keepMasks.push(last.keep);
        grid = tf.reshape(last.grid, [batch, h, w, dim]);
        tokens = tf.concat([last.prefix, last.packages], 1);
      });
      const final = last as unknown as StageTokens;
      return { classTokens: final.prefix, grid: final.grid, keepMasks };
    });
  }

  private readout(classTokens: tf.Tensor3D, grid: tf.Tensor3D): DenseOutput {
    return tidyResult(() => ({
      logits: this.backbone.forwardHead(this.backbone.norm.apply(classTokens) as tf.Tensor3D),
      spatialTokens: this.backbone.norm.apply(grid) as tf.Tensor3D,
    }));
  }

  forwardTrain(images: tf.Tensor4D, options: TrainForwardOptions): SpvitTrainOutput {
    const batch = images.shape[0];
    const sizes = this.gridSizes();
    const noise = sizes.map((size) => drawDecisionNoise(options.random, batch, size, options.noiseScale));
    return tidyResult(() => {
      const decide: MaskedDecider = ({ stage, predScore }) => {
        const drawn = tf.tensor2d(noise[stage] as Float32Array, [batch, sizes[stage] as number]);
        return hardGumbelKeep(scoreMargin(predScore), drawn, options.tau ?? 1);
      };
      const { classTokens, grid, keepMasks } = this.run(images, (_, input, stageOptions) => maskedStage(input, { ...stageOptions, eps: TRAIN_POLICY_EPS, decide }));
      const { logits, spatialTokens } = this.readout(classTokens, grid);
      const lastPlan = this.plans[this.plans.length - 1] as StagePlan;
      const finalKeepMask = lastPlan.selector >= 0 ? (keepMasks[keepMasks.length - 1] as tf.Tensor2D) : (tf.ones([batch, grid.shape[1]]) as tf.Tensor2D);
      return { logits, keepMasks, spatialTokens, finalKeepMask };
    });
  }

  forwardDense(images: tf.Tensor4D): DenseOutput {
    return tidyResult(() => {
      const { classTokens, grid } = this.run(images, (_, input, stageOptions) =>
        maskedStage(input, { ...stageOptions, selector: null, eps: EVAL_POLICY_EPS, decide: () => tf.ones([1, 1]) }),
      );
      return this.readout(classTokens, grid);
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
    const decide = hostMaskedDecider(rules, masks);
    const removed = options.removeTokens !== false;
    const { classTokens, grid, keepMasks } = this.run(images, (_, input, stageOptions) => {
      if (!removed) return maskedStage(input, { ...stageOptions, eps: EVAL_POLICY_EPS, decide });
      const result = prunedStage(input, { ...stageOptions, rule: rules[stageOptions.selectorIndex] ?? (rules[0] as DecisionRule) });
      if (result.kept !== null) masks.push(result.kept);
      return result;
    });
    const out = this.readout(classTokens, grid);
    tf.dispose([classTokens, grid, keepMasks, out.spatialTokens]);
    return { logits: out.logits, decisions: masks.map((kept, k) => ({ grid: grids[k] as [number, number], kept })) };
  }

  forward(images: tf.Tensor4D): tf.Tensor2D {
    return this.infer(images).logits;
  }

  /** Expected tokens entering each block at the target keep ratios (class tokens + grid or kept + packages). */
  tokensPerBlock(): number[] {
    const classCount = this.backbone.classTokenCount;
    const out: number[] = [];
    let packages = 0;
    this.backbone.stages.forEach((stage, i) => {
      const plan = this.plans[i] as StagePlan;
      const size = stage.resolution[0] * stage.resolution[1];
      let tokens = classCount + size + packages;
      stage.blocks.forEach((_, j) => {
        if (j === plan.block) {
          packages += 1;
          tokens = classCount + topkCount(this.settings.keepRatios[plan.selector] as number, size) + packages;
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
}
