/** Backbone node: resolves the timm name / class and kwargs into the registry's spec (plain data). */
import { access } from 'node:fs/promises';

import { StudioError } from '../../shared/errors';
import { lutModelShapeFromSpec } from '../../latency/model-shape';
import { specFromTimm } from '../../models/registry';

import type { NodeExecutor } from '../executors';
import type { BackboneValue } from '../port-values';

export const backboneExecutor: NodeExecutor<'backbone'> = {
  kind: 'backbone',
  async execute(context) {
    const { model, kwargs, weights } = context.node.config;
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
    const value: BackboneValue = { model, kwargs, spec, shape: lutModelShapeFromSpec(spec, model), weights: weightsPath };
    return { backbone: JSON.parse(JSON.stringify(value)) };
  },
};
