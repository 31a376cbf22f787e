/** `spvit infer`: runs a backbone with timm weights on a .npy batch and writes the logits as .npy. */
import { readFile } from 'node:fs/promises';

import { inferLogits } from '../../../core/models/inference';
import { npyToFloat32, readNpy, writeNpy } from '../../../core/models/io/npy';
import { createModel, fromTimmConfig, specFromTimm } from '../../../core/models/registry';
import { loadWeightsFile } from '../../../core/models/weights';
import { StudioError } from '../../../core/shared/errors';
import { INFERENCE_MODES } from '../../../core/spvit/decisions';
import { inferSpvitBatches } from '../../../core/spvit/inference';
import { createSpvitModel, isSpvitConfig, loadSpvitWeightsFile } from '../../../core/spvit/load';
import { describeTensorBackend, initTensorBackend } from '../../../core/tensor/backend';
import { booleanFlag, integerFlag, requiredFlag, stringFlag } from '../arguments';

import type { ModelSpec } from '../../../core/models/architecture';
import type { CliCommand, CliIo, ParsedCommandLine } from '../command';

/** Inference modes: 'dense' for backbones (and an SPViT model's backbone alone), the rest for SPViT. */
const MODES = ['dense', ...INFERENCE_MODES] as const;

/** The parsed --config JSON, or null with --arch. */
async function readConfigJson(args: ParsedCommandLine): Promise<unknown> {
  const configPath = stringFlag(args, 'config');
  const arch = stringFlag(args, 'arch');
  if ((configPath === undefined) === (arch === undefined)) {
    throw new StudioError('input/invalid', 'Give exactly one of --config CFG.json or --arch NAME.', { hint: "See 'spvit infer --help'." });
  }
  if (arch !== undefined) return null;
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
  return json;
}

function readMode(args: ParsedCommandLine, spvit: boolean): (typeof MODES)[number] {
  const mode = stringFlag(args, 'mode') ?? (spvit ? 'argmax' : 'dense');
  const allowed: readonly string[] = spvit ? MODES : ['dense'];
  if (!allowed.includes(mode)) {
    throw new StudioError('input/invalid', `--mode '${mode}' is not available for this model; it runs: ${allowed.join(', ')}.`, {
      hint: spvit ? 'Pick one of the listed modes.' : 'Token-pruned modes need an SPViT model; use --mode dense for a plain backbone.',
    });
  }
  if (!spvit && (stringFlag(args, 'masks-out') !== undefined || booleanFlag(args, 'masked'))) {
    throw new StudioError('input/invalid', '--masks-out and --masked need an SPViT model.', { hint: 'Pass an SPViT config (timm config with an "spvit" section, or the official config).' });
  }
  return mode as (typeof MODES)[number];
}

/** SPViT: logits, and with --masks-out the keep masks [selectors, images, tokens] (1 = kept). */
async function runSpvit(args: ParsedCommandLine, io: CliIo, json: unknown): Promise<void> {
  const mode = readMode(args, true);
  const model = createSpvitModel(json);
  try {
    await loadSpvitWeightsFile(model, requiredFlag(args, 'weights'));
    const input = await readNpy(requiredFlag(args, 'input'));
    const images = { shape: input.shape, data: npyToFloat32(input) };
    const started = performance.now();
    const seed = integerFlag(args, 'seed', { min: 0, max: 2 ** 31 - 1 });
    const result =
      mode === 'dense'
        ? { logits: inferLogits(model.backbone, images), masks: null }
        : inferSpvitBatches(model, images, { mode, removeTokens: !booleanFlag(args, 'masked'), ...(seed === undefined ? {} : { seed }) });
    const elapsedMs = performance.now() - started;
    const outPath = requiredFlag(args, 'out');
    await writeNpy(outPath, { dtype: 'float32', shape: result.logits.shape, data: result.logits.data });
    const masksOut = stringFlag(args, 'masks-out');
    if (masksOut !== undefined) {
      if (result.masks === null) throw new StudioError('input/invalid', '--mode dense makes no keep decisions, so there are no masks to write.', { hint: 'Drop --masks-out or pick argmax, topk or stochastic.' });
      await writeNpy(masksOut, { dtype: 'float32', shape: result.masks.shape, data: result.masks.data });
    }
    io.stdout.write(`${model.architecture} ${mode}: ${input.shape[0]} image(s) in ${elapsedMs.toFixed(0)} ms -> ${outPath} [${result.logits.shape.join(', ')}]\n`);
  } finally {
    model.dispose();
  }
}

export const inferCommand: CliCommand = {
  name: 'infer',
  summary: 'runs a model on a .npy input',
  usage:
    'spvit infer --config CFG.json | --arch NAME --weights W.safetensors --input X.npy --out Y.npy [--mode dense|argmax|topk|stochastic] [--masks-out M.npy] [--seed N] [--masked] [--backend B]',
  options: {
    config: { type: 'string' },
    arch: { type: 'string' },
    weights: { type: 'string' },
    input: { type: 'string' },
    out: { type: 'string' },
    mode: { type: 'string' },
    'masks-out': { type: 'string' },
    seed: { type: 'string' },
    masked: { type: 'boolean' },
    backend: { type: 'string' },
  },
  async run(args, io) {
    const weights = requiredFlag(args, 'weights');
    const inputPath = requiredFlag(args, 'input');
    const outPath = requiredFlag(args, 'out');
    const json = await readConfigJson(args);
    const spvit = json !== null && isSpvitConfig(json);
    const mode = readMode(args, spvit);
    const spec: ModelSpec | null = spvit ? null : json === null ? specFromTimm(stringFlag(args, 'arch') as string) : fromTimmConfig(json);
    await initTensorBackend({ backend: stringFlag(args, 'backend') });
    const backend = await describeTensorBackend();
    io.stdout.write(`backend: ${backend.name}${backend.simd ? ' (SIMD)' : ''}\n`);
    if (spec === null) {
      await runSpvit(args, io, json);
      return 0;
    }
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
