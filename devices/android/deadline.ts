/** Bounds one device call by a timeout and an AbortSignal, and cleans up when either fires. */
import { StudioError } from '../../core/shared/errors';

import type { PhoneCallOptions } from './phone-agent';

export interface DeadlineScope {
  /** Aborts when the timeout passes or the caller's signal fires. */
  readonly signal: AbortSignal;
}

/**
 * Runs `work` and rejects with device/timeout (after `timeoutMs`) or cancelled (caller's signal)
 * as soon as either happens; `onAbort` releases whatever `work` holds (sockets, streams).
 */
export async function withDeadline<T>(
  what: string,
  options: PhoneCallOptions & { defaultTimeoutMs: number },
  work: (scope: DeadlineScope) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? options.defaultTimeoutMs;
  const controller = new AbortController();
  let rejectEarly: (error: StudioError) => void = () => undefined;
  const early = new Promise<never>((_, reject) => {
    rejectEarly = reject;
  });
  const timer = setTimeout(() => {
    const error = new StudioError('device/timeout', `${what} took longer than ${timeoutMs} ms.`, {
      hint: 'Check that the phone is awake and connected; raise the timeout for long runs.',
      details: { timeoutMs },
    });
    controller.abort(error);
    rejectEarly(error);
  }, timeoutMs);
  const onCallerAbort = (): void => {
    const error = new StudioError('cancelled', `${what} was cancelled.`, { cause: options.signal?.reason });
    controller.abort(error);
    rejectEarly(error);
  };
  if (options.signal?.aborted) onCallerAbort();
  else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const running = work({ signal: controller.signal });
    // Keep a late rejection of the abandoned work from becoming unhandled.
    running.catch(() => undefined);
    return await Promise.race([running, early]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}
