/**
 * The part of AbortSignal that pure code needs. core/shared and core/api compile without DOM or
 * node types, so they name the shape instead of the global; a real AbortSignal fits it.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export const NEVER_ABORTED: AbortSignalLike = {
  aborted: false,
  addEventListener() {
    // Never fires: nothing to register.
  },
  removeEventListener() {
    // Nothing was registered.
  },
};
