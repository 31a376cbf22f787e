/**
 * Export node, format 'tflite': the trained model as a float32 .tflite file in the node's folder
 * (SPViT in topk mode with fixed kept-token counts, or the dense ViT), for a phone to run.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { StudioError, throwIfAborted } from '../../shared/errors';
import { exportTflite } from '../../export/tflite/export-model';
import { writeAtomically } from '../../train/atomic-file';

import { openTrainedModel, sha256, sourceRecord } from './export-source';

import type { ExecutorContext } from '../executors';
import type { ExportModelValue } from './export-source';

export const TFLITE_FILE = 'model.tflite';

/** The writer emits float32 tensors only; other precisions need a quantiser it does not have. */
export function checkTflitePrecision(context: ExecutorContext<'export'>): void {
  const { precision } = context.node.config;
  if (precision === 'fp32') return;
  throw new StudioError('not-implemented', `Export node '${context.node.id}': TFLite export writes float32 models only; precision '${precision}' is not available.`, {
    details: { nodeId: context.node.id, field: 'config.precision', precision },
    hint: "Set precision to 'fp32' (an int8 fixed-point model is the board package: format 'board').",
  });
}

export async function exportTfliteArtifact(context: ExecutorContext<'export'>, model: ExportModelValue): Promise<Record<string, unknown>> {
  context.progress(null, 'loading the trained model');
  const loaded = await openTrainedModel(model);
  try {
    throwIfAborted(context.signal);
    context.progress(null, 'writing the TFLite graph');
    const exported = exportTflite(loaded, { description: `spvit-studio ${loaded.architecture} (pipeline '${context.pipeline.name}', node '${context.node.id}')` });
    const path = join(context.nodeDir, TFLITE_FILE);
    await writeAtomically(path, (temporary) => writeFile(temporary, exported.bytes));
    return {
      path,
      format: 'tflite',
      precision: 'fp32',
      bytes: exported.bytes.length,
      sha256: sha256(exported.bytes),
      architecture: exported.architecture,
      mode: exported.mode,
      input: exported.input,
      output: exported.output,
      tokensPerBlock: exported.tokensPerBlock,
      operators: exported.operators,
      weightsBytes: exported.weightsBytes,
      notes: exported.notes,
      model: await sourceRecord(model),
    };
  } finally {
    loaded.dispose();
  }
}
