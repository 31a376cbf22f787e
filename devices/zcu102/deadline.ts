/** Every board I/O call has a timeout and an AbortSignal; this turns both into StudioErrors. */
import { StudioError } from '../../core/shared/errors';

import type { Jsonable } from '../../core/shared/jsonable';

export interface IoOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface Deadline {
  /** Fires on timeout or on the caller's abort; `reason` is the StudioError to throw. */
  readonly signal: AbortSignal;
  /** Throws the deadline's error if it has fired. */
  check(): void;
  dispose(): void;
}

export interface DeadlineSpec {
  /** Says what timed out, e.g. "waiting for the login prompt". */
  what: string;
  timeoutMs: number;
  hint?: string;
  /** Extra data for the timeout error, computed when it fires (e.g. the console transcript). */
  details?: () => Jsonable;
}

export function startDeadline(spec: DeadlineSpec, signal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  const onAbort = (): void => {
    controller.abort(new StudioError('cancelled', `Cancelled while ${spec.what}.`, { cause: signal?.reason }));
  };
  const timer = setTimeout(() => {
    const options: { hint?: string; details?: Jsonable } = {};
    if (spec.hint !== undefined) options.hint = spec.hint;
    if (spec.details !== undefined) options.details = spec.details();
    controller.abort(new StudioError('device/timeout', `Timed out after ${spec.timeoutMs} ms ${spec.what}.`, options));
  }, spec.timeoutMs);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    check() {
      if (controller.signal.aborted) throw controller.signal.reason;
    },
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Waits for `promise`, or rejects with the deadline's error when it fires first. */
export function raceDeadline<T>(promise: Promise<T>, deadline: Deadline): Promise<T> {
  if (deadline.signal.aborted) return Promise.reject(deadline.signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(deadline.signal.reason as Error);
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        deadline.signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        deadline.signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
