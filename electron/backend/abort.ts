/** Handlers get the transport's signal as AbortSignalLike; device and core code want a real one. */
import type { AbortSignalLike } from '../../core/shared/abort';

export function toAbortSignal(like: AbortSignalLike): AbortSignal {
  if (like instanceof AbortSignal) return like;
  const controller = new AbortController();
  if (like.aborted) {
    controller.abort(like.reason);
  } else {
    like.addEventListener('abort', () => controller.abort(like.reason), { once: true });
  }
  return controller.signal;
}
