/** The flat ViT family in the model registry: timm's VisionTransformer and DeiT's distilled variant. */
import { StudioError } from '../../shared/errors';

import { VIT_TIMM_MODELS, VitConfigSchema, vitConfigFromTimm } from './config';
import { vitCost } from './cost';
import { VisionTransformer } from './model';

import type { Architecture, ModelSpec } from '../architecture';
import type { VitConfig } from './config';

function vitConfig(spec: ModelSpec): VitConfig {
  const parsed = VitConfigSchema.safeParse(spec.config);
  if (spec.architecture !== 'vit' || !parsed.success) {
    throw new StudioError('model/invalid-config', `Not a valid ViT spec: ${parsed.error?.issues[0]?.message ?? `architecture is '${spec.architecture}'`}.`, {
      hint: 'Build the spec with the registry (specFromTimm / fromTimmConfig).',
    });
  }
  return parsed.data;
}

export const vitArchitecture: Architecture = {
  id: 'vit',
  timmClasses: ['VisionTransformer', 'VisionTransformerDistilled'],
  timmModels: VIT_TIMM_MODELS,
  specFromTimm(timmClass, kwargs) {
    return { architecture: 'vit', config: vitConfigFromTimm(timmClass, kwargs, timmClass === 'VisionTransformerDistilled') };
  },
  create(spec, options = {}) {
    return new VisionTransformer({ config: vitConfig(spec), seed: options.seed ?? 0 });
  },
  cost(spec, options) {
    return vitCost(vitConfig(spec), options);
  },
};
