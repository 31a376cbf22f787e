/**
 * Export node, format 'board': the trained model as the ZCU102's fixed-point package (int8 weights,
 * calibrated on images of the connected dataset, else the training one), with the package's
 * agreement with the float model on test images written beside it (<file>.accuracy.json).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ReferenceRunner, compareWithFloat, exportBoardPackage, floatReference, runReference } from '../../export/board/index';
import { throwIfAborted } from '../../shared/errors';
import { writeAtomically } from '../../train/atomic-file';

import { openDatasetValue } from './dataset';
import { checkImageShape, exportDataset, openTrainedModel, sha256, sourceRecord } from './export-source';

import type { Dataset } from '../../data/dataset';
import type { ImageBatch, PackageModel } from '../../export/board/index';
import type { ExecutorContext } from '../executors';
import type { ExportModelValue } from './export-source';

export const BOARD_PACKAGE_FILE = 'model.spvit-fxp';

export interface BoardExportExecutorOptions {
  /** Test images the package is compared with the float model on (0 skips the check); default 16. */
  checkImages?: number;
}

/** Up to `limit` unaugmented images of a split, spread evenly over it. */
function spreadImages(dataset: Dataset, limit: number, label: string): ImageBatch {
  const count = Math.min(limit, dataset.length);
  const indices = Array.from({ length: count }, (_, i) => Math.floor((i * dataset.length) / count));
  const batch = dataset.getBatch(indices);
  return { data: batch.images, count, source: `${label} (${count} images spread over ${dataset.length})` };
}

/** Tokens entering each block of the package: CLS, kept spatial tokens, one package token per selector so far. */
export function boardTokensPerBlock(model: PackageModel): number[] {
  let spatial = (model.imageSize / model.patchSize) ** 2;
  let packages = 0;
  return Array.from({ length: model.depth }, (_, block) => {
    const stage = model.selectorBlocks.indexOf(block);
    if (stage >= 0) {
      spatial = Math.min(spatial, model.keptTokens[stage] as number);
      packages += 1;
    }
    return 1 + spatial + packages;
  });
}

export async function exportBoardArtifact(context: ExecutorContext<'export'>, model: ExportModelValue, options: BoardExportExecutorOptions = {}): Promise<Record<string, unknown>> {
  const config = context.node.config;
  const datasetValue = exportDataset(context, model);
  context.progress(null, 'loading the trained model');
  const loaded = await openTrainedModel(model);
  try {
    checkImageShape(context, datasetValue, loaded.inputShape);
    context.progress(null, `reading ${datasetValue.source.kind} images`);
    const opened = await openDatasetValue(datasetValue);
    const calibration = spreadImages(opened.train, config.calibrationImages, `${datasetValue.source.kind} train split`);
    throwIfAborted(context.signal);
    context.progress(null, `calibrating and quantising on ${calibration.count} images`);
    const exported = exportBoardPackage(loaded, { calibration, arch: model.backbone?.model ?? loaded.architecture });
    const path = join(context.nodeDir, BOARD_PACKAGE_FILE);
    await writeAtomically(path, (temporary) => writeFile(temporary, exported.bytes));
    throwIfAborted(context.signal);
    const checkCount = Math.min(options.checkImages ?? 16, opened.test.length);
    let accuracy = null;
    let accuracyPath = null;
    if (checkCount > 0) {
      context.progress(null, `comparing the package with the float model on ${checkCount} test images`);
      const check = spreadImages(opened.test, checkCount, `${datasetValue.source.kind} ${datasetValue.hasOwnTest ? 'test' : 'validation'} split`);
      const runner = new ReferenceRunner(exported.pkg);
      accuracy = compareWithFloat(runner, runReference(runner, check.data), floatReference(loaded, check.data), check.source);
      accuracyPath = `${path}.accuracy.json`;
      const report = `${JSON.stringify(accuracy, null, 2)}\n`;
      await writeAtomically(accuracyPath, (temporary) => writeFile(temporary, report, 'utf8'));
      context.metrics.write({ name: 'export/top1-agreement', value: accuracy.top1Agreement, extra: { format: 'board', images: accuracy.images } });
    }
    const { header } = exported.pkg;
    return {
      path,
      format: 'board',
      precision: 'int8',
      bytes: exported.bytes.length,
      sha256: sha256(exported.bytes),
      architecture: loaded.architecture,
      arch: header.model.arch,
      mode: header.selectors.length > 0 ? 'topk' : 'dense',
      input: { name: 'image', shape: [header.model.inChannels, header.model.imageSize, header.model.imageSize], layout: 'NCHW', dtype: 'int8', scale: header.input.scale },
      output: { shape: [header.model.numClasses], dtype: 'int32', scale: header.output.scale },
      tokensPerBlock: boardTokensPerBlock(header.model),
      selectorBlocks: header.model.selectorBlocks,
      keptTokens: header.model.keptTokens,
      activationBits: header.arithmetic.activationBits,
      calibration: header.calibration,
      accuracy,
      accuracyPath,
      model: await sourceRecord(model),
    };
  } finally {
    loaded.dispose();
  }
}
