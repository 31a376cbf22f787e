/** `spvit export`: the model of a folder (a run, or model.safetensors + config) as a .tflite file. */
import { writeFile } from 'node:fs/promises';

import { StudioError } from '../../../core/shared/errors';
import { exportTflite } from '../../../core/export/tflite/export-model';
import { loadModelFolder } from '../../../core/export/tflite/model-folder';
import { initTensorBackend } from '../../../core/tensor/backend';
import { requiredFlag, stringFlag } from '../arguments';

import type { CliCommand } from '../command';

const FORMATS = ['tflite', 'board'] as const;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'exports a trained model (TFLite; the board package comes with the board tools)',
  usage: 'spvit export --model DIR --format tflite|board --out FILE [--backend B]',
  options: {
    model: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
  },
  async run(args, io) {
    const modelDir = requiredFlag(args, 'model');
    const format = requiredFlag(args, 'format');
    const outPath = requiredFlag(args, 'out');
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new StudioError('input/invalid', `--format must be one of ${FORMATS.join(', ')}, got '${format}'.`, { hint: 'Phones take tflite; ZCU102 boards take the board package.' });
    }
    if (format === 'board') {
      throw new StudioError('not-implemented', 'The fixed-point board package export is not available from `spvit export` yet.', {
        hint: 'Export --format tflite for phones; the board package comes with the ZCU102 tools.',
      });
    }
    await initTensorBackend({ backend: stringFlag(args, 'backend') });
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
