/**
 * Backbone node: resolves the timm name / class and kwargs into the registry's spec (plain data);
 * weights that are an SPViT checkpoint also pass on its SPViT settings (spvit-checkpoint.ts).
 */
import { access } from 'node:fs/promises';

import { StudioError } from '../../shared/errors';
import { lutModelShapeFromSpec } from '../../latency/model-shape';
import { specFromTimm } from '../../models/registry';
import { loadWeightsFile } from '../../models/weights';
import { isSelectorKey } from '../../spvit/load';

import { readSpvitCheckpoint } from './spvit-checkpoint';

import type { BackboneModel } from '../../models/model';
import type { NodeExecutor } from '../executors';
import type { BackboneValue } from '../port-values';

export const backboneExecutor: NodeExecutor<'backbone'> = {
  kind: 'backbone',
  async execute(context) {
    const { model, kwargs, weights, config } = context.node.config;
    const spec = specFromTimm(model, kwargs);
    let weightsPath: string | null = null;
    if (weights !== undefined) {
      weightsPath = context.resolvePath(weights);
      try {
        await access(weightsPath);
      } catch (error) {
        throw new StudioError('input/not-found', `Pretrained weights not found: ${weightsPath}`, {
          cause: error,
          details: { nodeId: context.node.id, field: 'config.weights', path: weightsPath },
          hint: 'Give the path of a .safetensors file with timm key names, or leave weights out to start from random weights.',
        });
      }
    }
    const configPath = config === undefined ? null : context.resolvePath(config);
    const spvit = weightsPath === null ? null : await readSpvitCheckpoint({ weights: weightsPath, config: configPath, nodeId: context.node.id, spec });
    const value: BackboneValue = { model, kwargs, spec, shape: lutModelShapeFromSpec(spec, model), weights: weightsPath, spvit };
    return { backbone: JSON.parse(JSON.stringify(value)) };
  },
};

/** Loads the weights a backbone port carries into a built backbone: timm weights, or an SPViT checkpoint's backbone part. */
export async function loadBackboneWeights(model: BackboneModel, backbone: BackboneValue): Promise<void> {
  if (backbone.weights === null) return;
  await loadWeightsFile(model, backbone.weights, (backbone.spvit ?? null) === null ? {} : { allowUnexpected: isSelectorKey });
}
