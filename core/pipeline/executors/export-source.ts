/**
 * What an export node reads from its inputs: the trained model (SPViT checkpoint or dense weights,
 * as the train node wrote them) and the dataset its calibration images come from.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { StudioError } from '../../shared/errors';
import { createModel } from '../../models/registry';
import { loadWeightsFile } from '../../models/weights';
import { loadSpvitCheckpoint } from '../../spvit/checkpoint';

import type { BackboneModel } from '../../models/model';
import type { ExecutorContext } from '../executors';
import type { DatasetValue } from '../port-values';
import type { TrainedModelValue } from './evaluate';

/** The train node's model value, with the fields an export records beside those evaluate reads. */
export interface ExportModelValue extends TrainedModelValue {
  predictedMs?: number | null;
}

/** The model on the port as a float model: the SPViT checkpoint, or the dense backbone when there is no SPViT stage. */
export async function openTrainedModel(model: ExportModelValue): Promise<BackboneModel> {
  if (model.spvit !== null) return loadSpvitCheckpoint(model.weightsPath);
  const dense = createModel(model.spec, { seed: 0 });
  try {
    await loadWeightsFile(dense, model.weightsPath);
  } catch (error) {
    dense.dispose();
    throw error;
  }
  return dense;
}

/** The connected dataset, else the one the model was trained on. */
export function exportDataset(context: ExecutorContext<'export'>, model: ExportModelValue): DatasetValue {
  const value = (context.inputs['dataset'] as DatasetValue | undefined) ?? model.dataset;
  if (value === undefined) {
    throw new StudioError('input/invalid', `Export node '${context.node.id}' has no images to calibrate on: connect a dataset, or feed it a model trained in this pipeline.`, {
      details: { nodeId: context.node.id, field: 'inputs.dataset' },
      hint: 'Connect a dataset node to the export node.',
    });
  }
  return value;
}

/** The images a dataset port gives must be what the model takes. */
export function checkImageShape(context: ExecutorContext<'export'>, dataset: DatasetValue, inputShape: readonly [number, number, number]): void {
  const [channels, height, width] = inputShape;
  const { input } = dataset;
  if (input.channels !== channels || input.height !== height || input.width !== width) {
    throw new StudioError('input/invalid', `Export node '${context.node.id}': the dataset gives ${input.channels}x${input.height}x${input.width} images, the model takes ${channels}x${height}x${width}.`, {
      details: { nodeId: context.node.id, field: 'inputs.dataset' },
      hint: 'Connect the dataset the model was trained on (or one with the same input size and channels).',
    });
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function fileSha256(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/** What the artifact records about the model it came from (a deploy node compares against these). */
export async function sourceRecord(model: ExportModelValue): Promise<Record<string, unknown>> {
  return {
    weightsPath: model.weightsPath,
    weightsSha256: await fileSha256(model.weightsPath),
    spvit: model.spvit !== null,
    keepRatios: model.spvit?.keepRatios ?? null,
    selectorBlocks: model.positions?.map((p) => p.block) ?? null,
    budgetMs: model.budgetMs ?? null,
    predictedMs: model.predictedMs ?? null,
  };
}
