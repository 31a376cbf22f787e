/** Errors as the UI shows them: code, message and the hint, whatever was thrown. */
import { isStudioError } from '../../../core/shared/errors';

export interface ShownError {
  readonly code: string;
  readonly message: string;
  readonly hint: string | null;
}

export function toShownError(error: unknown): ShownError {
  if (isStudioError(error)) return { code: error.code, message: error.message, hint: error.hint ?? null };
  return { code: 'internal/bug', message: error instanceof Error ? error.message : String(error), hint: null };
}
