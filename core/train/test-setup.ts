/**
 * Tiny seeded training set-ups on the bundled Fashion-MNIST sample, shared by the trainer's tests
 * and the training benchmark's smoke check. Not used by product code paths.
 */
import { openDatasets } from '../data/open';
import { createModel, specFromTimm } from '../models/registry';
import { wrapBackbone } from '../spvit/load';
import { parseSpvitSettings } from '../spvit/settings';

import { AdamWConfigSchema } from './adamw';
import { createReplicaGroup } from './replica-group';
import { LossWeightsSchema } from './replica-spec';

import type { Dataset } from '../data/dataset';
import type { ModelSpec } from '../models/architecture';
import type { ParameterEntry } from '../tensor/parameters';
import type { ReplicaGroup } from './replica-group';
import type { ReplicaSpec } from './replica-spec';
import type { TrainStageOptions } from './train-types';

export const TINY_VIT_KWARGS = { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 16, depth: 2, num_heads: 2, mlp_ratio: 2 };

export async function tinyData(trainLimit = 256): Promise<{ train: Dataset; val: Dataset }> {
  const opened = await openDatasets(
    { kind: 'sample' },
    { input: { height: 28, width: 28, channels: 1, fit: 'pad', normalization: 'dataset', augment: { cropPadding: 2, horizontalFlip: true } }, valFraction: 0.1, seed: 0, trainLimit },
  );
  return { train: opened.train, val: opened.val };
}

export interface TinySetup {
  spec: ModelSpec;
  replica: ReplicaSpec;
  entries: ParameterEntry[];
  group: ReplicaGroup;
  initial: Float32Array;
  dispose(): Promise<void>;
}

/** A replica group (0 = this thread) for a tiny dense ViT or its SPViT version with selectors before both blocks. */
export async function tinySetup(kind: 'dense' | 'spvit', workers: number, backend: string): Promise<TinySetup> {
  const spec = specFromTimm('VisionTransformer', TINY_VIT_KWARGS);
  const settings = parseSpvitSettings({ selector: { blocks: [0, 1] }, keepRatios: [0.7, 0.4] });
  const replica: ReplicaSpec =
    kind === 'dense'
      ? { kind: 'dense', spec, seed: 1, labelSmoothing: 0.1 }
      : { kind: 'spvit', spec, settings, seed: 1, labelSmoothing: 0.1, loss: LossWeightsSchema.parse({}), targets: [0.7, 0.4], gumbelTau: 1, hinge: null };
  const reference = kind === 'dense' ? createModel(spec, { seed: 1 }) : wrapBackbone(createModel(spec, { seed: 1 }), settings, 1);
  const group = await createReplicaGroup({ spec: replica, workers, backend });
  const initial = await group.initialParameters();
  if (kind === 'spvit') {
    const dense = createModel(spec, { seed: 1 });
    const backboneSize = dense.parameters().reduce((sum, entry) => sum + entry.variable.size, 0);
    dense.dispose();
    await group.setTeacher(initial.slice(0, backboneSize));
  }
  return {
    spec,
    replica,
    entries: reference.parameters(),
    group,
    initial,
    dispose: async () => {
      reference.dispose();
      await group.close();
    },
  };
}

/** Stage options for a tiny run; override what a test varies. */
export function tinyStageOptions(setup: TinySetup, data: { train: Dataset; val: Dataset }, overrides: Partial<TrainStageOptions> & Pick<TrainStageOptions, 'checkpointFile'>): TrainStageOptions {
  const spvit = setup.replica.kind === 'spvit';
  return {
    stage: spvit ? 'spvit' : 'dense',
    group: setup.group,
    entries: setup.entries,
    train: data.train,
    val: null,
    epochs: 2,
    batchSize: 32,
    schedule: spvit ? { kind: 'spvit', lr: 2e-3, minLr: 1e-5, epochs: 2, backboneFreezeEpochs: 1, backboneLrCap: 0.01 } : { kind: 'dense', lr: 2e-3, minLr: 1e-5, warmupEpochs: 0, epochs: 2 },
    adamw: AdamWConfigSchema.parse({}),
    augment: true,
    dataSeed: 3,
    noiseSeed: 4,
    loss: setup.replica.kind === 'spvit' ? setup.replica.loss : null,
    targets: setup.replica.kind === 'spvit' ? setup.replica.targets : [],
    budgetMs: null,
    initialParameters: setup.initial,
    checkpointEverySeconds: 3600,
    fingerprint: 'tiny',
    logEverySteps: 1,
    evalBatchSize: 64,
    inferenceMode: 'argmax',
    ...overrides,
  };
}
