/** Errors that cross every boundary as data: a code, a message, optional details and a hint. */
import type { AbortSignalLike } from './abort';
import type { Jsonable } from './jsonable';

export const ERROR_CODES = [
  'input/invalid',
  'input/not-found',
  'device/not-found',
  'device/unauthorized',
  'device/disconnected',
  'device/timeout',
  'device/permission',
  'device/failed',
  'protocol/bad-frame',
  'protocol/closed',
  'protocol/forbidden',
  'model/invalid-config',
  'model/weights-mismatch',
  'model/unsupported',
  'data/corrupt',
  'training/diverged',
  'export/failed',
  'deploy/failed',
  'env/missing-tool',
  'not-implemented',
  'cancelled',
  'internal/bug',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface StudioErrorOptions {
  cause?: unknown;
  details?: Jsonable;
  /** What the user can do about it, in one sentence. */
  hint?: string;
}

export class StudioError extends Error {
  override readonly name = 'StudioError';
  readonly code: ErrorCode;
  readonly details: Jsonable | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: StudioErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.hint = options.hint;
  }
}

/** A broken invariant: never for bad input. */
export class BugError extends StudioError {
  constructor(message: string, options: StudioErrorOptions = {}) {
    super('internal/bug', message, options);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new BugError(message);
  }
}

export interface SerializedError {
  $isError: true;
  code: ErrorCode;
  name: string;
  message: string;
  hint?: string;
  details?: Jsonable;
  stack?: string;
  cause?: SerializedError;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Checks by code, so it also works for errors rebuilt on the far side of a transport. */
export function isStudioError(error: unknown, code?: ErrorCode): error is StudioError {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const candidate = error as { code?: unknown };
  if (!isErrorCode(candidate.code)) {
    return false;
  }
  return code === undefined || candidate.code === code;
}

export function toSerializedError(error: unknown, depth = 0): SerializedError {
  if (isStudioError(error)) {
    const serialized: SerializedError = {
      $isError: true,
      code: error.code,
      name: 'StudioError',
      message: error.message,
    };
    if (error.hint !== undefined) serialized.hint = error.hint;
    if (error.details !== undefined) serialized.details = error.details;
    if (error.stack !== undefined) serialized.stack = error.stack;
    if (error.cause !== undefined && depth < 4) serialized.cause = toSerializedError(error.cause, depth + 1);
    return serialized;
  }
  if (error instanceof Error) {
    const serialized: SerializedError = {
      $isError: true,
      code: error.name === 'AbortError' ? 'cancelled' : 'internal/bug',
      name: error.name,
      message: error.message,
    };
    if (error.stack !== undefined) serialized.stack = error.stack;
    return serialized;
  }
  return { $isError: true, code: 'internal/bug', name: 'Error', message: String(error) };
}

export function fromSerializedError(serialized: SerializedError): StudioError {
  const options: StudioErrorOptions = {};
  if (serialized.details !== undefined) options.details = serialized.details;
  if (serialized.hint !== undefined) options.hint = serialized.hint;
  if (serialized.cause !== undefined) options.cause = fromSerializedError(serialized.cause);
  const error = new StudioError(serialized.code, serialized.message, options);
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}

/** Throws `cancelled` when the signal has fired; call at safe points in long loops. */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) {
    throw new StudioError('cancelled', 'The operation was cancelled.', { cause: signal.reason });
  }
}
