/**
 * The client Transport inside the Electron window, over the bridge the preload exposes as
 * `window.studio`. An AbortSignal cannot cross the context bridge, so the bridge hands back a
 * function that cancels the request instead.
 */
import type { AbortSignalLike } from '../shared/abort';
import { toSerializedError } from '../shared/errors';

import { cancelledReply, raceAbort } from './abortable-reply';

import type { Reply, Transport } from './transport';

/** What the preload exposes as `window.studio`, and nothing else. */
export interface StudioBridge {
  /** `onCanceller`, when given, is called at once with a function that cancels this request. */
  request(method: string, params: unknown, onCanceller?: (cancel: () => void) => void): Promise<Reply>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

function errorsAsData(reply: Promise<Reply>): Promise<Reply> {
  return reply.catch((error: unknown): Reply => ({ ok: false, error: toSerializedError(error) }));
}

export function createIpcTransport(bridge: StudioBridge): Transport {
  return {
    request(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply> {
      if (signal === undefined) return errorsAsData(bridge.request(method, params ?? {}));
      if (signal.aborted) return Promise.resolve(cancelledReply());
      let cancel: (() => void) | undefined;
      const reply = bridge.request(method, params ?? {}, (canceller) => {
        cancel = canceller;
      });
      const onAbort = (): void => cancel?.();
      signal.addEventListener('abort', onAbort, { once: true });
      const settled = errorsAsData(reply).finally(() => signal.removeEventListener('abort', onAbort));
      return raceAbort(settled, signal);
    },
    subscribe(event, listener) {
      return bridge.subscribe(event, listener);
    },
  };
}
