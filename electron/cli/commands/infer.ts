/** `spvit infer`: runs a backbone with timm weights on a .npy batch and writes the logits as .npy. */
import { readFile } from 'node:fs/promises';

import { inferLogits } from '../../../core/models/inference';
import { npyToFloat32, readNpy, writeNpy } from '../../../core/models/io/npy';
import { createModel, fromTimmConfig, specFromTimm } from '../../../core/models/registry';
import { loadWeightsFile } from '../../../core/models/weights';
import { StudioError } from '../../../core/shared/errors';
import { describeTensorBackend, initTensorBackend } from '../../../core/tensor/backend';
import { requiredFlag, stringFlag } from '../arguments';

import type { ModelSpec } from '../../../core/models/architecture';
import type { CliCommand, ParsedCommandLine } from '../command';

/** Inference modes; the token-pruned ones arrive with the SPViT model. */
const MODES = ['dense'] as const;

async function readSpec(args: ParsedCommandLine): Promise<ModelSpec> {
  const configPath = stringFlag(args, 'config');
  const arch = stringFlag(args, 'arch');
  if ((configPath === undefined) === (arch === undefined)) {
    throw new StudioError('input/invalid', 'Give exactly one of --config CFG.json or --arch NAME.', { hint: "See 'spvit infer --help'." });
  }
  if (arch !== undefined) return specFromTimm(arch);
  let text: string;
  try {
    text = await readFile(configPath as string, 'utf8');
  } catch (error) {
    throw new StudioError('input/not-found', `Cannot read the model config ${configPath}.`, { cause: error, hint: 'Check the --config path.' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StudioError('model/invalid-config', `${configPath} is not valid JSON.`, { cause: error, hint: 'Expected {"timm_class": ..., "kwargs": {...}}.' });
  }
  return fromTimmConfig(json);
}

function readMode(args: ParsedCommandLine): (typeof MODES)[number] {
  const mode = stringFlag(args, 'mode') ?? 'dense';
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new StudioError('input/invalid', `--mode '${mode}' is not available for this model; this version runs: ${MODES.join(', ')}.`, {
      hint: 'Token-pruned modes need an SPViT model; use --mode dense for a plain backbone.',
    });
  }
  return mode as (typeof MODES)[number];
}

export const inferCommand: CliCommand = {
  name: 'infer',
  summary: 'runs a model on a .npy input',
  usage: 'spvit infer --config CFG.json | --arch NAME --weights W.safetensors --input X.npy --out Y.npy [--mode M] [--backend B]',
  options: {
    config: { type: 'string' },
    arch: { type: 'string' },
    weights: { type: 'string' },
    input: { type: 'string' },
    out: { type: 'string' },
    mode: { type: 'string' },
    backend: { type: 'string' },
  },
  async run(args, io) {
    const weights = requiredFlag(args, 'weights');
    const inputPath = requiredFlag(args, 'input');
    const outPath = requiredFlag(args, 'out');
    const mode = readMode(args);
    const spec = await readSpec(args);
    await initTensorBackend({ backend: stringFlag(args, 'backend') });
    const backend = await describeTensorBackend();
    io.stdout.write(`backend: ${backend.name}${backend.simd ? ' (SIMD)' : ''}\n`);
    const model = createModel(spec);
    try {
      await loadWeightsFile(model, weights);
      const input = await readNpy(inputPath);
      const started = performance.now();
      const logits = inferLogits(model, { shape: input.shape, data: npyToFloat32(input) });
      const elapsedMs = performance.now() - started;
      await writeNpy(outPath, { dtype: 'float32', shape: logits.shape, data: logits.data });
      io.stdout.write(`${spec.architecture} ${mode}: ${input.shape[0]} image(s) in ${elapsedMs.toFixed(0)} ms -> ${outPath} [${logits.shape.join(', ')}]\n`);
    } finally {
      model.dispose();
    }
    return 0;
  },
};
