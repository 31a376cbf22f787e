/**
 * An SPViT checkpoint as a backbone node's weights: ours (timm keys + `selectors.*`, config in the
 * `spvit.config` metadata) or the official one (`score_predictor.*`, config.json beside it), told
 * apart from plain timm weights by their key names as core/spvit/load.ts does. Its config is read and
 * its backbone must be the node's (training-only rates such as drop_path_rate may differ).
 */
import { readFile } from 'node:fs/promises';

import { isStudioError, StudioError } from '../../shared/errors';
import { SafetensorsReader } from '../../models/io/safetensors';
import { SPVIT_CONFIG_METADATA_KEY } from '../../spvit/checkpoint';
import { hasOfficialKeys, hasSpvitKeys, spvitConfigParts } from '../../spvit/load';

import type { ModelSpec } from '../../models/architecture';
import type { BackboneValue } from '../port-values';

export type SpvitCheckpointValue = NonNullable<BackboneValue['spvit']>;

/** Spec keys that change training, not the weights or the function at inference. */
const TRAINING_ONLY_KEYS = new Set(['dropRate', 'dropPathRate', 'attnDropRate', 'projDropRate', 'posDropRate']);

function fieldError(where: { nodeId: string; field: string }, message: string, hint: string): StudioError {
  return new StudioError('input/invalid', message, { details: { ...where }, hint });
}

function parseJson(text: string, source: string, nodeId: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StudioError('input/invalid', `${source} is not valid JSON.`, { cause: error, details: { nodeId, field: 'config.config' }, hint: 'Point config at the JSON file written beside the checkpoint.' });
  }
}

async function readConfigFile(path: string, nodeId: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StudioError('input/not-found', `SPViT config not found: ${path}`, {
      cause: error,
      details: { nodeId, field: 'config.config', path },
      hint: 'Give the path of the config.json beside the checkpoint (relative paths start at the pipeline file).',
    });
  }
  return parseJson(text, path, nodeId);
}

/** snake_case as in timm kwargs, for messages. */
function timmName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Throws, naming each differing kwarg, unless the checkpoint's backbone is the node's. */
export function checkSameBackbone(node: ModelSpec, checkpoint: ModelSpec, nodeId: string): void {
  if (node.architecture !== checkpoint.architecture) {
    throw fieldError({ nodeId, field: 'config.model' }, `The SPViT checkpoint is a ${checkpoint.architecture} model, the node's model a ${node.architecture}.`, 'Set model to the checkpoint\'s backbone class (the official checkpoint: VisionTransformer).');
  }
  const keys = [...new Set([...Object.keys(node.config), ...Object.keys(checkpoint.config)])].filter((key) => !TRAINING_ONLY_KEYS.has(key));
  const differing = keys.filter((key) => JSON.stringify(node.config[key]) !== JSON.stringify(checkpoint.config[key]));
  if (differing.length === 0) return;
  const list = differing.map((key) => `${timmName(key)} ${JSON.stringify(node.config[key])} (checkpoint: ${JSON.stringify(checkpoint.config[key])})`);
  const wanted = Object.fromEntries(differing.map((key) => [timmName(key), checkpoint.config[key]]));
  throw fieldError({ nodeId, field: 'config.kwargs' }, `The node's backbone differs from the SPViT checkpoint's: ${list.join(', ')}.`, `Set these kwargs as the checkpoint has them: ${JSON.stringify(wanted)}.`);
}

export interface ReadSpvitCheckpointOptions {
  weights: string;
  /** The node's `config` path (resolved), or null. */
  config: string | null;
  nodeId: string;
  /** The node's backbone. */
  spec: ModelSpec;
}

/** The checkpoint's SPViT side, or null for plain backbone weights. */
export async function readSpvitCheckpoint(options: ReadSpvitCheckpointOptions): Promise<SpvitCheckpointValue | null> {
  const { weights, config, nodeId } = options;
  const reader = await SafetensorsReader.open(weights);
  let keys: string[];
  let metadata: string | undefined;
  try {
    keys = [...reader.keys];
    metadata = reader.metadata[SPVIT_CONFIG_METADATA_KEY];
  } finally {
    await reader.close();
  }
  if (!hasSpvitKeys(keys)) {
    if (config === null) return null;
    throw fieldError({ nodeId, field: 'config.config' }, `${weights} holds no selector weights, so it is no SPViT checkpoint for the config ${config}.`, 'Drop config for plain timm weights, or point weights at the SPViT checkpoint.');
  }
  const official = hasOfficialKeys(keys);
  let json: unknown;
  if (config !== null) json = await readConfigFile(config, nodeId);
  else if (metadata !== undefined) json = parseJson(metadata, `${weights} ('${SPVIT_CONFIG_METADATA_KEY}' metadata)`, nodeId);
  else {
    throw fieldError({ nodeId, field: 'config.config' }, `${weights} is an SPViT checkpoint${official ? ' with the official key names' : ''} without a stored config.`, 'Set config to its config.json (the official {"reference": {"class": "VisionTransformerDiffPruning"}, "kwargs": {...}}).');
  }
  let parts: ReturnType<typeof spvitConfigParts>;
  try {
    parts = spvitConfigParts(json);
  } catch (error) {
    if (!isStudioError(error)) throw error;
    throw new StudioError(error.code, error.message, { cause: error, details: { nodeId, field: 'config.config' }, ...(error.hint === undefined ? {} : { hint: error.hint }) });
  }
  checkSameBackbone(options.spec, parts.spec, nodeId);
  return { settings: parts.settings as unknown as Record<string, unknown>, official, config };
}
