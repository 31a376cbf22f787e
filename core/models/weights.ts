/** Moving weights between timm-keyed maps or safetensors files and a model's parameters. */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';
import { internalToTimm, timmToInternal } from '../tensor/parameters';

import { SafetensorsReader, writeSafetensors } from './io/safetensors';

import type { HostTensor } from '../tensor/host-tensor';
import type { ParameterEntry, ParameterOwner } from '../tensor/parameters';
import type { LoadWeightsOptions } from './model';

function listPreview(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((key) => `'${key}'`).join(', ');
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}

/** Checks that the key sets match (timm strict loading); throws naming the keys. */
export function checkWeightKeys(entries: readonly ParameterEntry[], available: Iterable<string>, options: LoadWeightsOptions = {}): void {
  const have = new Set(available);
  const wanted = new Set(entries.map((entry) => entry.key));
  const missing = entries.map((entry) => entry.key).filter((key) => !have.has(key));
  if (missing.length > 0) {
    throw new StudioError('model/weights-mismatch', `The weights lack ${missing.length} tensor(s) the model needs: ${listPreview(missing)}.`, {
      details: { missing },
      hint: 'The weights belong to another architecture or configuration (timm key names are expected).',
    });
  }
  const unexpected = [...have].filter((key) => !wanted.has(key) && !(options.allowUnexpected?.(key) ?? false));
  if (unexpected.length > 0) {
    throw new StudioError('model/weights-mismatch', `The weights have ${unexpected.length} tensor(s) the model does not: ${listPreview(unexpected)}.`, {
      details: { unexpected },
      hint: 'Check the configuration (depth, class token, distillation head, ...) against the checkpoint.',
    });
  }
}

function assign(entry: ParameterEntry, host: HostTensor): void {
  const values = timmToInternal(entry, host);
  const tensor = tf.tensor(values, entry.variable.shape, 'float32');
  entry.variable.assign(tensor);
  tensor.dispose();
}

/** Loads a timm-keyed map into the owner's parameters. */
export function loadWeightMap(owner: ParameterOwner, weights: ReadonlyMap<string, HostTensor>, options: LoadWeightsOptions = {}): void {
  const entries = owner.parameters();
  checkWeightKeys(entries, weights.keys(), options);
  for (const entry of entries) assign(entry, weights.get(entry.key) as HostTensor);
}

/** The owner's parameters in timm's layout, in parameter order. */
export function getWeightMap(owner: ParameterOwner): Map<string, HostTensor> {
  return new Map(owner.parameters().map((entry) => [entry.key, internalToTimm(entry)]));
}

/** Streams a safetensors file into the owner's parameters, one tensor at a time. */
export async function loadWeightsFile(owner: ParameterOwner, file: string, options: LoadWeightsOptions = {}): Promise<void> {
  const reader = await SafetensorsReader.open(file);
  try {
    const entries = owner.parameters();
    try {
      checkWeightKeys(entries, reader.keys, options);
    } catch (error) {
      throw new StudioError('model/weights-mismatch', `${file}: ${(error as Error).message}`, {
        cause: error,
        hint: 'The weights belong to another architecture or configuration (timm key names are expected).',
      });
    }
    for (const entry of entries) assign(entry, await reader.read(entry.key, { shape: entry.timmShape }));
  } finally {
    await reader.close();
  }
}

export async function saveWeightsFile(owner: ParameterOwner, file: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeSafetensors(file, getWeightMap(owner), { metadata: { format: 'pt', ...metadata } });
}

export function countParameters(owner: ParameterOwner): number {
  return owner.parameters().reduce((sum, entry) => sum + entry.variable.size, 0);
}
