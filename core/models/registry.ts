/**
 * Model ids to factories: timm model names (`deit_tiny_patch16_224`), timm class names with their
 * kwargs (the fixtures' config.json), and the studio's own saved specs.
 */
import { z } from 'zod';

import { StudioError } from '../shared/errors';

import { ARCHITECTURES } from './architectures';

import type { Architecture, CreateModelOptions, ModelSpec } from './architecture';
import type { CostOptions, ModelCost } from './flops';
import type { BackboneModel } from './model';

/** The timm-style config.json: a timm class or model name and its constructor arguments. */
export const TimmConfigSchema = z.looseObject({
  timm_class: z.string().min(1),
  kwargs: z.record(z.string(), z.unknown()).optional(),
});
export type TimmConfig = z.infer<typeof TimmConfigSchema>;

export function findArchitecture(id: string): Architecture {
  const found = ARCHITECTURES.find((architecture) => architecture.id === id);
  if (found === undefined) {
    throw new StudioError('model/unsupported', `Unknown architecture '${id}'.`, {
      hint: `Known architectures: ${ARCHITECTURES.map((a) => a.id).join(', ')}.`,
    });
  }
  return found;
}

/** Every timm model name the registry can build, sorted. */
export function listTimmModels(): string[] {
  return ARCHITECTURES.flatMap((architecture) => Object.keys(architecture.timmModels)).sort();
}

/**
 * Resolves a timm class name or model name plus kwargs (like `timm.create_model(name, **kwargs)`:
 * the kwargs override the model's preset) into a spec.
 */
export function specFromTimm(name: string, kwargs: Readonly<Record<string, unknown>> = {}): ModelSpec {
  for (const architecture of ARCHITECTURES) {
    const preset = architecture.timmModels[name];
    if (preset !== undefined) return architecture.specFromTimm(preset.timmClass, { ...preset.kwargs, ...kwargs });
    if (architecture.timmClasses.includes(name)) return architecture.specFromTimm(name, kwargs);
  }
  throw new StudioError('model/unsupported', `'${name}' is neither a timm model name nor a timm class the studio builds.`, {
    details: { name },
    hint: `Model names: ${listTimmModels().join(', ')}. Classes: ${ARCHITECTURES.flatMap((a) => a.timmClasses).join(', ')}.`,
  });
}

/** Reads a parsed config.json (`{ timm_class, kwargs }`). */
export function fromTimmConfig(json: unknown): ModelSpec {
  const parsed = TimmConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new StudioError('model/invalid-config', `The model config is not a timm config: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}.`, {
      hint: 'Expected JSON like {"timm_class": "VisionTransformer", "kwargs": {"embed_dim": 192, ...}}.',
    });
  }
  return specFromTimm(parsed.data.timm_class, parsed.data.kwargs ?? {});
}

export function createModel(spec: ModelSpec, options: CreateModelOptions = {}): BackboneModel {
  return findArchitecture(spec.architecture).create(spec, options);
}

export function modelCost(spec: ModelSpec, options: CostOptions = {}): ModelCost {
  return findArchitecture(spec.architecture).cost(spec, options);
}
