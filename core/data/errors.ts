/** The two ways reading a dataset fails: the file is not there, or its bytes are wrong. */
import { StudioError } from '../shared/errors';

/** 'data/corrupt' naming the file and what is wrong with it. */
export function corruptData(file: string, problem: string, cause?: unknown): StudioError {
  return new StudioError('data/corrupt', `${file}: ${problem}`, {
    cause,
    details: { file, problem },
    hint: 'Re-download or re-copy the file; if you made it yourself, check the writer against the format.',
  });
}

export function dataNotFound(path: string, what: string, hint: string): StudioError {
  return new StudioError('input/not-found', `${what} not found: ${path}`, {
    details: { path, what },
    hint,
  });
}
