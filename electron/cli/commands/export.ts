/** `spvit export`: the model of a folder (a run, or model.safetensors + config) as a .tflite file. */
import { writeFile } from 'node:fs/promises';

import { StudioError } from '../../../core/shared/errors';
import { exportTflite } from '../../../core/export/tflite/export-model';
import { loadModelFolder } from '../../../core/export/tflite/model-folder';
import { initTensorBackend } from '../../../core/tensor/backend';
import { boardFlags, describeBoardExport } from '../../../devices/zcu102/deploy/board-cli';
import { exportBoardFile } from '../../../devices/zcu102/deploy/export-board-file';
import { requiredFlag, stringFlag } from '../arguments';

import type { CliCommand } from '../command';

const FORMATS = ['tflite', 'board'] as const;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'exports a trained model (TFLite for phones, the fixed-point package for ZCU102 boards)',
  usage: 'spvit export --model DIR --format tflite|board --out FILE [--backend B]\n  board: [--images X.npy] [--calibration max|percentile] [--calibration-images N] [--check-images N] [--activation-bits 8|12]',
  options: {
    model: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
    images: { type: 'string' },
    calibration: { type: 'string' },
    'calibration-images': { type: 'string' },
    'check-images': { type: 'string' },
    'activation-bits': { type: 'string' },
  },
  async run(args, io) {
    const modelDir = requiredFlag(args, 'model');
    const format = requiredFlag(args, 'format');
    const outPath = requiredFlag(args, 'out');
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new StudioError('input/invalid', `--format must be one of ${FORMATS.join(', ')}, got '${format}'.`, { hint: 'Phones take tflite; ZCU102 boards take the board package.' });
    }
    await initTensorBackend({ backend: stringFlag(args, 'backend') });
    if (format === 'board') {
      io.stdout.write(describeBoardExport(await exportBoardFile({ modelDir, outPath, ...boardFlags(args) })));
      return 0;
    }
    const loaded = await loadModelFolder(modelDir);
    try {
      const exported = exportTflite(loaded.model);
      await writeFile(outPath, exported.bytes);
      const operators = Object.entries(exported.operators)
        .sort((a, b) => b[1] - a[1])
        .map(([op, count]) => `${op} ${count}`)
        .join(', ');
      io.stdout.write(
        [
          `${exported.architecture} (${exported.mode}) -> ${outPath}: ${(exported.bytes.length / 1e6).toFixed(2)} MB, ${(exported.weightsBytes / 1e6).toFixed(2)} MB of weights`,
          `  input   ${exported.input.name} [${exported.input.shape.join(', ')}] ${exported.input.layout} float32 (normalised as for the studio model)`,
          `  output  [${exported.output.shape.join(', ')}] float32`,
          `  tokens per block  ${exported.tokensPerBlock.join(' ')}`,
          `  operators  ${operators}`,
          ...exported.notes.map((note) => `  note    ${note}`),
          '',
        ].join('\n'),
      );
    } finally {
      loaded.model.dispose();
    }
    return 0;
  },
};
