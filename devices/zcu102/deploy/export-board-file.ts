/**
 * `spvit export --format board`: a model folder to a fixed-point package file, with the accuracy
 * report against the float model written beside it (<out>.accuracy.json).
 */
import { writeFile } from 'node:fs/promises';

import { ReferenceRunner, compareWithFloat, exportBoardPackage, floatReference, runReference } from '../../../core/export/board/index';
import { packageImages } from '../../../core/export/board/sample-images';
import { loadModelFolder } from '../../../core/export/tflite/model-folder';

import { writeJsonAtomically } from './board-deploy-layout';

import type { AccuracyReport, PackageHeader } from '../../../core/export/board/index';

export interface BoardFileRequest {
  modelDir: string;
  outPath: string;
  imagesPath?: string | undefined;
  calibrationImages?: number | undefined;
  /** Images for the accuracy report (0 skips it). */
  evaluationImages?: number | undefined;
  method?: 'max' | 'percentile' | undefined;
  percentile?: number | undefined;
  activationBits?: 8 | 12 | undefined;
}

export interface BoardFileResult {
  outPath: string;
  sizeBytes: number;
  header: PackageHeader;
  accuracy: AccuracyReport | null;
  accuracyPath: string | null;
}

export async function exportBoardFile(request: BoardFileRequest): Promise<BoardFileResult> {
  const loaded = await loadModelFolder(request.modelDir);
  try {
    const evaluationCount = request.evaluationImages ?? 16;
    const images = await packageImages({
      inputShape: loaded.model.inputShape,
      imagesPath: request.imagesPath,
      calibrationCount: request.calibrationImages ?? 16,
      evaluationCount: Math.max(1, evaluationCount),
    });
    const config = loaded.config as { timm_class?: unknown } | null;
    const exported = exportBoardPackage(loaded.model, {
      calibration: images.calibration,
      arch: typeof config?.timm_class === 'string' ? config.timm_class : loaded.model.architecture,
      ...(request.method === undefined ? {} : { method: request.method }),
      ...(request.percentile === undefined ? {} : { percentile: request.percentile }),
      ...(request.activationBits === undefined ? {} : { arithmetic: { activationBits: request.activationBits } }),
    });
    await writeFile(request.outPath, exported.bytes);
    if (evaluationCount === 0) return { outPath: request.outPath, sizeBytes: exported.bytes.length, header: exported.pkg.header, accuracy: null, accuracyPath: null };
    const runner = new ReferenceRunner(exported.pkg);
    const accuracy = compareWithFloat(runner, runReference(runner, images.evaluation.data), floatReference(loaded.model, images.evaluation.data), images.evaluation.source);
    const accuracyPath = `${request.outPath}.accuracy.json`;
    await writeJsonAtomically(accuracyPath, { ...accuracy, evaluationIncludesCalibration: images.overlap });
    return { outPath: request.outPath, sizeBytes: exported.bytes.length, header: exported.pkg.header, accuracy, accuracyPath };
  } finally {
    loaded.model.dispose();
  }
}
