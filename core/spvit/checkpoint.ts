/**
 * Our SPViT checkpoints: one safetensors file, float32, with
 *  - the backbone's timm key names (`cls_token`, `pos_embed`, `patch_embed.proj.weight`, `blocks.{i}.*`,
 *    `norm.*`, `head.*` for ViT; PiT's and Swin's timm names likewise), and
 *  - `selectors.{k}.gate.fc1|fc2.{weight,bias}` (head-importance branch, [H/2, H] and [H, H/2]),
 *    `selectors.{k}.scorer.{norm,proj,fc1,fc2,fc3}.{weight,bias}` (shared per-head scorer:
 *    [d], [d, d], [d/2, d], [d/4, d/2], [2, d/4], torch's [out, in] layout), or
 *    `selectors.{k}.scorer.{h}.{...}` when every head has its own scorer;
 *  - metadata `format: pt`, `spvit.config`: the JSON that rebuilds the model (load.ts `spvitConfigJson`).
 */
import { writeSafetensors } from '../models/io/safetensors';
import { SafetensorsReader } from '../models/io/safetensors';
import { StudioError } from '../shared/errors';

import { createSpvitModel, loadSpvitWeightsFile, spvitConfigJson } from './load';
import { collectParameters } from './weights';

import type { SpvitModel } from './model';

export const SPVIT_CONFIG_METADATA_KEY = 'spvit.config';

export async function saveSpvitCheckpoint(model: SpvitModel, file: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeSafetensors(file, collectParameters(model.parameters()), {
    metadata: { format: 'pt', ...metadata, [SPVIT_CONFIG_METADATA_KEY]: JSON.stringify(spvitConfigJson(model)) },
  });
}

/** The config stored in a checkpoint. */
export async function readCheckpointConfig(file: string): Promise<unknown> {
  const reader = await SafetensorsReader.open(file);
  try {
    const text = reader.metadata[SPVIT_CONFIG_METADATA_KEY];
    if (text === undefined) {
      throw new StudioError('model/invalid-config', `${file} has no '${SPVIT_CONFIG_METADATA_KEY}' metadata.`, {
        hint: 'Pass the model config with --config (official checkpoints never carry one).',
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new StudioError('data/corrupt', `${file}: the '${SPVIT_CONFIG_METADATA_KEY}' metadata is not valid JSON.`, { cause: error, hint: 'Save the checkpoint again.' });
    }
  } finally {
    await reader.close();
  }
}

/** Rebuilds the model a checkpoint describes and loads its weights. */
export async function loadSpvitCheckpoint(file: string): Promise<SpvitModel> {
  const model = createSpvitModel(await readCheckpointConfig(file));
  try {
    await loadSpvitWeightsFile(model, file);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
