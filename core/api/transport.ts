/** The only per-host code: how a request and an event subscription travel. */
import type { AbortSignalLike } from '../shared/abort';
import type { SerializedError } from '../shared/errors';

export type Reply = { ok: true; result: unknown } | { ok: false; error: SerializedError };

export interface Transport {
  request(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

/** The backend side of every transport: dispatches requests and broadcasts events. */
export interface Dispatcher {
  dispatch(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply>;
  /** Listens to every event the backend emits. */
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
}
