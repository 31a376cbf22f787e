/**
 * Opens the model a folder holds, the way run folders and the fixtures store one:
 * `model.safetensors` (timm key names, plus `selectors.*` for SPViT) and its config, either a
 * `config.json` beside it (timm `{timm_class, kwargs}`, or an SPViT config) or the `spvit.config`
 * metadata our SPViT checkpoints carry. A path to a .safetensors file works too.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { StudioError } from '../../shared/errors';
import { createModel, fromTimmConfig } from '../../models/registry';
import { loadWeightsFile } from '../../models/weights';
import { readCheckpointConfig } from '../../spvit/checkpoint';
import { createSpvitModel, isSpvitConfig, loadSpvitWeightsFile } from '../../spvit/load';

import type { BackboneModel } from '../../models/model';
import type { SpvitModel } from '../../spvit/model';

export const MODEL_WEIGHTS_FILE = 'model.safetensors';
export const MODEL_CONFIG_FILE = 'config.json';

export interface LoadedModel {
  model: BackboneModel;
  /** The SPViT model when the folder holds one (then `model` is the same object). */
  spvit: SpvitModel | null;
  weightsPath: string;
  /** The config as read (JSON), recorded with exports and deployments. */
  config: unknown;
  configSource: string;
  /** sha256 of the weights file. */
  weightsSha256: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StudioError('model/invalid-config', `${path} is not valid JSON.`, { cause: error, hint: 'Expected {"timm_class": ..., "kwargs": {...}} or an SPViT config.' });
  }
}

export async function loadModelFolder(path: string): Promise<LoadedModel> {
  const weightsPath = path.endsWith('.safetensors') ? path : join(path, MODEL_WEIGHTS_FILE);
  if (!(await exists(weightsPath))) {
    throw new StudioError('input/not-found', `No model weights at ${weightsPath}.`, {
      details: { path },
      hint: `Give a folder that holds ${MODEL_WEIGHTS_FILE} (a finished run, or a model folder with ${MODEL_CONFIG_FILE}).`,
    });
  }
  const folder = dirname(weightsPath);
  const configPath = join(folder, MODEL_CONFIG_FILE);
  const weightsSha256 = createHash('sha256').update(await readFile(weightsPath)).digest('hex');
  let config: unknown;
  let configSource: string;
  if (await exists(configPath)) {
    config = await readJson(configPath);
    configSource = configPath;
  } else {
    config = await readCheckpointConfig(weightsPath);
    configSource = `${basename(weightsPath)} metadata`;
  }
  if (isSpvitConfig(config)) {
    const spvit = createSpvitModel(config);
    try {
      await loadSpvitWeightsFile(spvit, weightsPath);
    } catch (error) {
      spvit.dispose();
      throw error;
    }
    return { model: spvit, spvit, weightsPath, config, configSource, weightsSha256 };
  }
  const model = createModel(fromTimmConfig(config));
  try {
    await loadWeightsFile(model, weightsPath);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, spvit: null, weightsPath, config, configSource, weightsSha256 };
}
