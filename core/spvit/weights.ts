/**
 * Loading host tensors into parameters by key, with one error that lists every missing, unexpected
 * and mis-shaped key (a checkpoint for another configuration usually gets several at once).
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';
import { formatShape, sameShape } from '../tensor/host-tensor';
import { internalToTimm, timmToInternal } from '../tensor/parameters';

import type { HostTensor } from '../tensor/host-tensor';
import type { ParameterEntry } from '../tensor/parameters';

export interface AssignOptions {
  /** Names the file or origin in messages. */
  source: string;
  /** Our key -> the key in the file it came from, for messages about renamed keys. */
  sourceKeyOf?: (key: string) => string;
  /** Keys of the file that a key translation could not place (reported as unexpected). */
  untranslated?: readonly string[];
}

const LIST_LIMIT = 12;

function list(items: readonly string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join(', ');
  return items.length > LIST_LIMIT ? `${shown} and ${items.length - LIST_LIMIT} more` : shown;
}

/** Checks every key and shape first, then assigns; nothing is assigned when anything is wrong. */
export function assignParameters(entries: readonly ParameterEntry[], tensors: ReadonlyMap<string, HostTensor>, options: AssignOptions): void {
  const name = options.sourceKeyOf ?? ((key: string) => key);
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const entry of entries) {
    const host = tensors.get(entry.key);
    if (host === undefined) missing.push(name(entry.key));
    else if (!sameShape(host.shape, entry.timmShape)) {
      mismatched.push(`${name(entry.key)} ${formatShape(host.shape)} (expected ${formatShape(entry.timmShape)})`);
    }
  }
  const known = new Set(entries.map((entry) => entry.key));
  const unexpected = [...(options.untranslated ?? []), ...[...tensors.keys()].filter((key) => !known.has(key)).map(name)];
  if (missing.length + mismatched.length + unexpected.length > 0) {
    const parts = [
      missing.length > 0 ? `missing keys: ${list(missing)}` : '',
      unexpected.length > 0 ? `unexpected keys: ${list(unexpected)}` : '',
      mismatched.length > 0 ? `wrong shapes: ${list(mismatched)}` : '',
    ].filter((part) => part !== '');
    throw new StudioError('model/weights-mismatch', `${options.source} does not fit the model: ${parts.join('; ')}.`, {
      details: { source: options.source, missing, unexpected: [...unexpected], mismatched },
      hint: 'The weights were saved for another configuration: check the config (embed_dim, depth, num_heads, pruning_loc, qkv_bias, num_classes).',
    });
  }
  for (const entry of entries) {
    const host = tensors.get(entry.key) as HostTensor;
    const values = timmToInternal(entry, host);
    tf.tidy(() => entry.variable.assign(tf.tensor(values, entry.variable.shape, 'float32')));
  }
}

/** Every parameter in its file layout, keyed by its name (for writing checkpoints). */
export function collectParameters(entries: readonly ParameterEntry[]): Map<string, HostTensor> {
  return new Map(entries.map((entry) => [entry.key, internalToTimm(entry)]));
}
