/** Reading a pipeline file: JSON, validated, with its folder as the base for relative paths. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { StudioError } from '../shared/errors';

import { validatePipeline } from './validate';

import type { ValidateOptions } from './validate';
import type { Pipeline } from './schema';

export interface LoadedPipeline {
  pipeline: Pipeline;
  /** The JSON as written (what a run folder keeps as pipeline.json). */
  document: unknown;
  /** The file's folder: relative paths inside the pipeline are relative to it. */
  baseDir: string;
}

export async function loadPipelineFile(path: string, options: Omit<ValidateOptions, 'origin'> = {}): Promise<LoadedPipeline> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StudioError('input/not-found', `Pipeline file not found: ${absolute}`, { details: { path: absolute }, hint: 'Give the path of a .spvit.json file (see examples/).' });
    }
    throw error;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StudioError('input/invalid', `${absolute} is not JSON: ${(error as Error).message}`, { cause: error, details: { path: absolute }, hint: 'A pipeline is a JSON file; check the syntax near the position given.' });
  }
  return { pipeline: validatePipeline(document, { ...options, origin: absolute }), document, baseDir: dirname(absolute) };
}
