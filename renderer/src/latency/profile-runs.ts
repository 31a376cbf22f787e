/** Profile runs by device, as immutable maps for $state.raw. */
import type { LatencyProfileProgress } from '../../../core/api/contracts/latency';

export interface ProfileRun {
  readonly runId: string;
  readonly deviceId: string;
  readonly model: string;
  readonly events: readonly LatencyProfileProgress[];
}

export const NO_PROFILES: ReadonlyMap<string, ProfileRun> = new Map();

export function replaced(map: ReadonlyMap<string, ProfileRun>, key: string, value: ProfileRun): ReadonlyMap<string, ProfileRun> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

/** "block 64 tokens: 3.21 ms" for the last measured point, or the event's own message. */
export function lastPointText(events: readonly LatencyProfileProgress[]): string {
  const last = events[events.length - 1];
  if (last === undefined) return 'starting…';
  if (last.phase === 'point' && last.blockType !== null && last.tokens !== null && last.meanMs !== null) {
    return `${last.blockType} at ${last.tokens} tokens: ${last.meanMs.toFixed(2)} ms${last.reused ? ' (kept)' : ''}`;
  }
  return last.message;
}
