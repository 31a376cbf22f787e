/** Pipeline files handed to the app by the OS: on the command line, by `open-file`, or the menu. */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { StudioError } from '../../core/shared/errors';

import type { OpenedFile } from '../../core/api/contracts/app';

export const PIPELINE_EXTENSION = '.spvit.json';
const MAX_PIPELINE_BYTES = 16 * 1024 * 1024;

/** The `.spvit.json` paths among command-line arguments, made absolute against `cwd`. */
export function pipelineFilesIn(argv: readonly string[], cwd: string): string[] {
  return argv
    .filter((arg) => !arg.startsWith('-') && arg.toLowerCase().endsWith(PIPELINE_EXTENSION))
    .map((arg) => resolve(cwd, arg));
}

export async function readPipelineFile(path: string): Promise<OpenedFile> {
  let sizeBytes: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new StudioError('input/invalid', `${path} is not a file.`);
    sizeBytes = info.size;
  } catch (error) {
    if (error instanceof StudioError) throw error;
    throw new StudioError('input/not-found', `Cannot open ${path}.`, { cause: error, hint: 'Check that the file exists and is readable.' });
  }
  if (sizeBytes > MAX_PIPELINE_BYTES) {
    throw new StudioError('input/invalid', `${path} is ${sizeBytes} bytes; a pipeline is at most ${MAX_PIPELINE_BYTES}.`, {
      hint: 'Pipelines refer to weights and data by path; they do not contain them.',
    });
  }
  return { path, contents: await readFile(path, 'utf8') };
}

/**
 * Holds opened files until the window's page has loaded (its client subscribes at boot), then
 * hands them on in order.
 */
export class OpenedFileQueue {
  readonly #waiting: OpenedFile[] = [];
  #deliver: ((file: OpenedFile) => void) | null = null;

  push(file: OpenedFile): void {
    if (this.#deliver === null) this.#waiting.push(file);
    else this.#deliver(file);
  }

  /** From now on files go straight to `deliver`; the waiting ones go first. */
  open(deliver: (file: OpenedFile) => void): void {
    this.#deliver = deliver;
    for (const file of this.#waiting.splice(0)) deliver(file);
  }

  /** The page is reloading: hold files again until it has loaded. */
  close(): void {
    this.#deliver = null;
  }
}
