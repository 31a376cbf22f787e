/**
 * Opening a model checkpoint from files for models.*: the config (given, carried in the checkpoint's
 * metadata, or a config.json beside the weights), the SPViT model it describes, and its weights
 * (our key names or the official ones). Every failure names the file and says what to fix.
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { SafetensorsReader } from '../../../core/models/io/safetensors';
import { StudioError } from '../../../core/shared/errors';
import { SPVIT_CONFIG_METADATA_KEY } from '../../../core/spvit/checkpoint';
import { createSpvitModel, hasOfficialKeys, isSpvitConfig, loadSpvitWeightsFile } from '../../../core/spvit/load';

import type { SpvitModel } from '../../../core/spvit/model';

export interface OpenedCheckpoint {
  model: SpvitModel;
  /** The config file read, or null when the checkpoint carried its config. */
  configPath: string | null;
  /** Which key names the weights use. */
  format: 'official' | 'studio';
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new StudioError('input/not-found', `Cannot read the model config ${file}.`, { cause: error, details: { file }, hint: 'Give the path of the config.json the checkpoint was made with.' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StudioError('model/invalid-config', `${file} is not valid JSON.`, { cause: error, details: { file }, hint: 'Pick the model config (a .json file), not the weights.' });
  }
}

interface WeightsHeader {
  keys: string[];
  carriedConfig: string | undefined;
}

async function readWeightsHeader(weights: string): Promise<WeightsHeader> {
  if (!(await exists(weights))) {
    throw new StudioError('input/not-found', `No weights file at ${weights}.`, { details: { file: weights }, hint: "Give the path of the checkpoint's .safetensors file on the machine the studio's backend runs on." });
  }
  const reader = await SafetensorsReader.open(weights);
  try {
    return { keys: reader.keys, carriedConfig: reader.metadata[SPVIT_CONFIG_METADATA_KEY] };
  } finally {
    await reader.close();
  }
}

/** The config JSON and where it came from: the given file, the checkpoint's metadata, or config.json beside the weights. */
async function resolveConfig(weights: string, header: WeightsHeader, config: string | undefined): Promise<{ json: unknown; path: string | null }> {
  if (config !== undefined) return { json: await readConfigFile(config), path: config };
  if (header.carriedConfig !== undefined) {
    try {
      return { json: JSON.parse(header.carriedConfig) as unknown, path: null };
    } catch (error) {
      throw new StudioError('data/corrupt', `${weights}: the '${SPVIT_CONFIG_METADATA_KEY}' metadata is not valid JSON.`, { cause: error, hint: 'Give the model config file instead.' });
    }
  }
  const beside = join(dirname(weights), 'config.json');
  if (await exists(beside)) return { json: await readConfigFile(beside), path: beside };
  throw new StudioError('input/not-found', `${weights} carries no model config and there is no config.json beside it.`, {
    details: { file: weights },
    hint: 'Give the config file too: official SPViT checkpoints never carry one ({"reference": {"class": "VisionTransformerDiffPruning"}, "kwargs": {...}}).',
  });
}

export async function openCheckpoint(weights: string, config: string | undefined): Promise<OpenedCheckpoint> {
  const header = await readWeightsHeader(weights);
  const resolved = await resolveConfig(weights, header, config);
  if (!isSpvitConfig(resolved.json)) {
    throw new StudioError('model/invalid-config', `${resolved.path ?? weights} describes no SPViT model, so there are no token selectors to look at.`, {
      details: { config: resolved.path },
      hint: 'Use an SPViT config: a timm config with an "spvit" section, our saved checkpoint, or the official {"reference": {"class": "VisionTransformerDiffPruning"}, "kwargs": {...}}.',
    });
  }
  const model = createSpvitModel(resolved.json);
  try {
    await loadSpvitWeightsFile(model, weights);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, configPath: resolved.path, format: hasOfficialKeys(header.keys) ? 'official' : 'studio' };
}
