/**
 * Building SPViT models from config files and loading their weights.
 *
 * Config files:
 *  - ours: a timm config plus an `spvit` section:
 *    `{ "timm_class": "VisionTransformer", "kwargs": {...}, "spvit": { "selector": {"blocks": [3,6,9]}, "keepRatios": [...] } }`
 *  - the official model: `{ "reference": { "class": "VisionTransformerDiffPruning" }, "kwargs": {...} }`.
 * Weights: safetensors with timm keys plus `selectors.*` (ours), or the official keys
 * (`score_predictor.*`), recognised by their names.
 */
import { z } from 'zod';

import { StudioError } from '../shared/errors';
import { SafetensorsReader } from '../models/io/safetensors';
import { createModel, specFromTimm } from '../models/registry';

import { convertOfficialStateDict } from './official/convert';
import { isOfficialConfig, readOfficialConfig } from './official/config';
import { SpvitPoolingVisionTransformer } from './pit/spvit-pit';
import { parseSpvitSettings } from './settings';
import { SpvitSwinTransformer } from './swin/spvit-swin';
import { SpvitVisionTransformer } from './vit/spvit-vit';
import { assignParameters } from './weights';

import type { Jsonable } from '../shared/jsonable';
import type { HostTensor } from '../tensor/host-tensor';
import type { ModelSpec } from '../models/architecture';
import type { PoolingVisionTransformer } from '../models/pit/model';
import type { SwinTransformer } from '../models/swin/model';
import type { VisionTransformer } from '../models/vit/model';
import type { SpvitModel } from './model';
import type { SpvitSettings } from './settings';

const StudioSpvitConfigSchema = z.looseObject({
  timm_class: z.string().min(1),
  kwargs: z.record(z.string(), z.unknown()).optional(),
  spvit: z.unknown(),
});

/** The form our checkpoints carry: the registry's normalised backbone spec plus the settings. */
const SavedSpvitConfigSchema = z.looseObject({
  backbone: z.strictObject({ architecture: z.string(), config: z.record(z.string(), z.unknown()) }),
  spvit: z.unknown(),
});

/** The config that rebuilds `model` (stored in checkpoints; also accepted by --config). */
export function spvitConfigJson(model: SpvitModel): Jsonable {
  return { backbone: { architecture: model.backbone.architecture, config: model.backbone.config }, spvit: model.settings as unknown as Jsonable };
}

/** True for configs that describe an SPViT model (ours, saved, or the official one). */
export function isSpvitConfig(json: unknown): boolean {
  if (isOfficialConfig(json)) return true;
  const spvit = (json as { spvit?: unknown } | null)?.spvit;
  return spvit !== undefined && (StudioSpvitConfigSchema.safeParse(json).success || SavedSpvitConfigSchema.safeParse(json).success);
}

export interface CreateSpvitOptions {
  /** Seed of random initial weights. */
  seed?: number;
  /** Official configs only: import independent per-head selector weights. */
  sharedHeadWeights?: boolean;
}

/** Wraps a backbone built by the model registry with selectors. */
export function wrapBackbone(backbone: ReturnType<typeof createModel>, settings: SpvitSettings, seed = 0): SpvitModel {
  if (backbone.architecture === 'vit') return new SpvitVisionTransformer({ backbone: backbone as VisionTransformer, settings, seed });
  if (backbone.architecture === 'pit') return new SpvitPoolingVisionTransformer({ backbone: backbone as PoolingVisionTransformer, settings, seed });
  if (backbone.architecture === 'swin') return new SpvitSwinTransformer({ backbone: backbone as SwinTransformer, settings, seed });
  backbone.dispose();
  throw new StudioError('model/unsupported', `SPViT is not available for the '${backbone.architecture}' architecture.`, {
    hint: 'Use a ViT/DeiT, PiT or Swin backbone.',
  });
}

/** What a config file describes: the backbone spec and the SPViT settings (no weights are built). */
export function spvitConfigParts(json: unknown, options: Pick<CreateSpvitOptions, 'sharedHeadWeights'> = {}): { spec: ModelSpec; settings: SpvitSettings } {
  if (isOfficialConfig(json)) {
    const official = readOfficialConfig(json, options.sharedHeadWeights === undefined ? {} : { sharedHeadWeights: options.sharedHeadWeights });
    return { spec: specFromTimm('VisionTransformer', official.timmKwargs), settings: official.settings };
  }
  const saved = SavedSpvitConfigSchema.safeParse(json);
  if (saved.success && saved.data.spvit !== undefined) {
    const spec = { architecture: saved.data.backbone.architecture, config: saved.data.backbone.config as { [key: string]: Jsonable } };
    return { spec, settings: parseSpvitSettings(saved.data.spvit) };
  }
  const parsed = StudioSpvitConfigSchema.safeParse(json);
  if (!parsed.success || parsed.data.spvit === undefined) {
    throw new StudioError('model/invalid-config', 'Not an SPViT config: expected a timm config with an "spvit" section, or the official model config.', {
      hint: 'Example: {"timm_class": "deit_tiny_patch16_224", "spvit": {"selector": {"blocks": [3, 6, 9]}, "keepRatios": [0.617, 0.369, 0.137]}}.',
    });
  }
  const settings = parseSpvitSettings(parsed.data.spvit);
  return { spec: specFromTimm(parsed.data.timm_class, parsed.data.kwargs ?? {}), settings };
}

/** Builds the model a config file describes, with seeded random weights. */
export function createSpvitModel(json: unknown, options: CreateSpvitOptions = {}): SpvitModel {
  const seed = options.seed ?? 0;
  const { spec, settings } = spvitConfigParts(json, options);
  return wrapBackbone(createModel(spec, { seed }), settings, seed);
}

/** A selector weight's key (ours: `selectors.*`, official: `score_predictor.*`); the rest is the backbone's. */
export function isSelectorKey(key: string): boolean {
  return key.startsWith('selectors.') || key.startsWith('score_predictor.');
}

/** True when a state dict holds selector weights, i.e. is an SPViT checkpoint. */
export function hasSpvitKeys(keys: Iterable<string>): boolean {
  for (const key of keys) if (isSelectorKey(key)) return true;
  return false;
}

/** True when a state dict uses the official selector names. */
export function hasOfficialKeys(keys: Iterable<string>): boolean {
  for (const key of keys) if (key.startsWith('score_predictor.')) return true;
  return false;
}

/** Loads a state dict (ours or official) into the model; one error lists every key problem. */
export function loadSpvitStateDict(model: SpvitModel, tensors: ReadonlyMap<string, HostTensor>, source: string): void {
  const entries = model.parameters();
  if (!hasOfficialKeys(tensors.keys())) {
    assignParameters(entries, tensors, { source });
    return;
  }
  const first = model.selectors[0];
  const converted = convertOfficialStateDict(tensors, {
    selectorCount: model.selectors.length,
    numHeads: first?.numHeads ?? 1,
    sharedHeadWeights: model.settings.selector.sharedHeadWeights,
  });
  assignParameters(entries, converted.tensors, { source, sourceKeyOf: converted.sourceKeyOf, untranslated: converted.untranslated });
}

/** Reads a whole safetensors file (official or ours) into the model. */
export async function loadSpvitWeightsFile(model: SpvitModel, file: string): Promise<void> {
  const reader = await SafetensorsReader.open(file);
  const tensors = new Map<string, HostTensor>();
  try {
    for (const key of reader.keys) tensors.set(key, await reader.read(key));
  } finally {
    await reader.close();
  }
  loadSpvitStateDict(model, tensors, file);
}
