/**
 * Every transport settles a request with `cancelled` as soon as its signal fires, even when the
 * backend's handler ignores the signal, so a cancelled call never hangs the caller.
 */
import type { AbortSignalLike } from '../shared/abort';
import { StudioError, toSerializedError } from '../shared/errors';

import type { Reply } from './transport';

export function cancelledReply(): Reply {
  return { ok: false, error: toSerializedError(new StudioError('cancelled', 'The request was cancelled.')) };
}

/** Resolves with the reply, or with `cancelled` when the signal fires first. */
export function raceAbort(reply: Promise<Reply>, signal: AbortSignalLike | undefined): Promise<Reply> {
  if (signal === undefined) return reply;
  if (signal.aborted) return Promise.resolve(cancelledReply());
  return new Promise<Reply>((resolve) => {
    const onAbort = (): void => resolve(cancelledReply());
    signal.addEventListener('abort', onAbort, { once: true });
    reply.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: false, error: toSerializedError(error) });
      },
    );
  });
}
