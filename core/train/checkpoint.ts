/**
 * Training checkpoints: one safetensors file holding the weights (timm key names and layout, so the
 * file loads as a model), the AdamW moments (`optimizer.m.<key>`, `optimizer.v.<key>`, same layout)
 * and, in the metadata, the step, the data-order position (epoch, batch within it), the optimiser
 * step and the random state. Every random draw of training is counter-based (data order from
 * (seed, epoch), augmentation from (seed, epoch, image), Gumbel noise from (noise seed, step, image)),
 * so the seeds and the position ARE the random state: a resumed run repeats the same steps exactly.
 * Files are written to a temporary name, flushed, then renamed, so a crash never leaves half a file.
 */
import { rm } from 'node:fs/promises';

import { SafetensorsReader, writeSafetensors } from '../models/io/safetensors';
import { StudioError } from '../shared/errors';
import { internalToTimm, timmToInternal } from '../tensor/parameters';

import { writeAtomically } from './atomic-file';

import type { HostTensor } from '../tensor/host-tensor';
import type { ParameterEntry } from '../tensor/parameters';
import type { AdamWState } from './adamw';
import type { ParameterLayout } from './parameter-layout';

export const CHECKPOINT_METADATA_KEY = 'spvit.training';
const FORMAT = 'spvit-train-checkpoint';

export interface TrainingPosition {
  stage: 'dense' | 'spvit';
  /** Optimiser steps completed in this stage. */
  step: number;
  /** The next batch to run: epoch and batch index within that epoch's order. */
  epoch: number;
  batch: number;
}

export interface CheckpointMeta extends TrainingPosition {
  format: typeof FORMAT;
  version: 1;
  /** Hash of everything that shapes the trajectory (config, data, workers); resume needs a match. */
  fingerprint: string;
  random: { kind: 'counter'; dataSeed: number; noiseSeed: number };
  adamStep: number;
  savedAt: string;
  /** Free-form extras (targets, timings) for reports. */
  extra: Record<string, unknown>;
}

export interface CheckpointState {
  meta: CheckpointMeta;
  parameters: Float32Array;
  adam: AdamWState;
}

function hostOf(entry: ParameterEntry, item: ParameterLayout['entries'][number], flat: Float32Array): HostTensor {
  // internalToTimm reads the variable; here the values come from a flat array with the same layout.
  const proxy = { ...entry, variable: { dataSync: () => flat.subarray(item.offset, item.offset + item.size) } } as unknown as ParameterEntry;
  return internalToTimm(proxy);
}

export interface SaveCheckpointOptions {
  file: string;
  entries: readonly ParameterEntry[];
  layout: ParameterLayout;
  state: CheckpointState;
}

export async function saveCheckpoint(options: SaveCheckpointOptions): Promise<void> {
  const { file, entries, layout, state } = options;
  const tensors = new Map<string, HostTensor>();
  const sections: Array<[string, Float32Array]> = [['', state.parameters], ['optimizer.m.', state.adam.m], ['optimizer.v.', state.adam.v]];
  for (const [prefix, flat] of sections) {
    entries.forEach((entry, i) => {
      const item = layout.entries[i];
      if (item === undefined) return;
      if (prefix !== '' && item.group === 'frozen') return;
      tensors.set(`${prefix}${entry.key}`, hostOf(entry, item, flat));
    });
  }
  const metadata = { format: 'pt', [CHECKPOINT_METADATA_KEY]: JSON.stringify(state.meta) };
  await writeAtomically(file, (temporary) => writeSafetensors(temporary, tensors, { metadata }));
}

function corrupt(file: string, why: string, cause?: unknown): StudioError {
  return new StudioError('data/corrupt', `${file} is not a usable training checkpoint: ${why}.`, {
    ...(cause === undefined ? {} : { cause }),
    details: { file },
    hint: 'Delete the checkpoint to train this stage from the start.',
  });
}

/** Reads a checkpoint into the given layout; null when the file does not exist. */
export async function loadCheckpoint(file: string, entries: readonly ParameterEntry[], layout: ParameterLayout): Promise<CheckpointState | null> {
  let reader: SafetensorsReader;
  try {
    reader = await SafetensorsReader.open(file);
  } catch (error) {
    if ((error as StudioError).code === 'input/not-found') return null;
    throw error;
  }
  try {
    const text = reader.metadata[CHECKPOINT_METADATA_KEY];
    if (text === undefined) throw corrupt(file, `no '${CHECKPOINT_METADATA_KEY}' metadata`);
    let meta: CheckpointMeta;
    try {
      meta = JSON.parse(text) as CheckpointMeta;
    } catch (error) {
      throw corrupt(file, 'the metadata is not JSON', error);
    }
    if (meta.format !== FORMAT) throw corrupt(file, `format '${String(meta.format)}'`);
    const parameters = new Float32Array(layout.size);
    const m = new Float32Array(layout.size);
    const v = new Float32Array(layout.size);
    for (const [index, entry] of entries.entries()) {
      const item = layout.entries[index];
      if (item === undefined) continue;
      const sections: Array<[string, Float32Array]> = item.group === 'frozen' ? [['', parameters]] : [['', parameters], ['optimizer.m.', m], ['optimizer.v.', v]];
      for (const [prefix, flat] of sections) {
        if (!reader.has(`${prefix}${entry.key}`)) throw corrupt(file, `tensor '${prefix}${entry.key}' is missing`);
        flat.set(timmToInternal(entry, await reader.read(`${prefix}${entry.key}`, { shape: entry.timmShape })), item.offset);
      }
    }
    return { meta, parameters, adam: { step: meta.adamStep, m, v } };
  } finally {
    await reader.close();
  }
}

export async function removeCheckpoint(file: string): Promise<void> {
  await rm(file, { force: true });
}
