/**
 * Export node: the train node's model as a file a device runs, in the node's folder: a .tflite for
 * phones (export-tflite.ts) or the fixed-point package for ZCU102 boards (export-board.ts). Its
 * `artifact` value names the file (path, bytes, sha256) and what a deploy node needs to know about it.
 */
import { StudioError } from '../../shared/errors';

import { exportBoardArtifact } from './export-board';
import { checkTflitePrecision, exportTfliteArtifact } from './export-tflite';

import type { Jsonable } from '../../shared/jsonable';
import type { ExecutorContext, NodeExecutor } from '../executors';
import type { BoardExportExecutorOptions } from './export-board';
import type { ExportModelValue } from './export-source';

export type ExportExecutorOptions = BoardExportExecutorOptions;

/** Both exporters build static graphs: kept-token counts must be fixed, which only topk gives. */
function checkInferenceMode(context: ExecutorContext<'export'>, model: ExportModelValue): void {
  if (model.spvit === null || context.node.config.inferenceMode === 'topk') return;
  throw new StudioError('not-implemented', `Export node '${context.node.id}': the ${context.node.config.format} export keeps a fixed number of tokens per selector (topk); inference mode '${context.node.config.inferenceMode}' keeps a different number per image.`, {
    details: { nodeId: context.node.id, field: 'config.inferenceMode', inferenceMode: context.node.config.inferenceMode },
    hint: "Set inferenceMode to 'topk' (the trained keep ratios become the fixed token counts).",
  });
}

async function exportNode(context: ExecutorContext<'export'>, options: ExportExecutorOptions): Promise<Record<string, Jsonable>> {
  const model = context.inputs['model'] as unknown as ExportModelValue;
  checkInferenceMode(context, model);
  const format = context.node.config.format;
  if (format === 'tflite') checkTflitePrecision(context);
  const artifact = format === 'tflite' ? await exportTfliteArtifact(context, model) : await exportBoardArtifact(context, model, options);
  context.metrics.write({ name: 'export/bytes', value: artifact['bytes'] as number, extra: { format } });
  return { artifact: JSON.parse(JSON.stringify(artifact)) as Jsonable };
}

export function createExportExecutor(options: ExportExecutorOptions = {}): NodeExecutor<'export'> {
  return { kind: 'export', execute: (context) => exportNode(context, options) };
}
