/** How a node's run state reads on the canvas and in the inspector. */
import type { NodeStateEvent } from '../../../core/api/contracts/pipeline';

export type NodeTone = 'idle' | 'accent' | 'success' | 'danger' | 'warning';

export interface NodeStatus {
  readonly state: NodeStateEvent['state'];
  readonly text: string;
  readonly tone: NodeTone;
  /** 0..1 while running with a known amount of work. */
  readonly progress: number | null;
}

export function nodeStatus(event: NodeStateEvent | null): NodeStatus {
  if (event === null) return { state: 'idle', text: 'idle', tone: 'idle', progress: null };
  switch (event.state) {
    case 'running': {
      const percent = event.progress === null ? '' : ` ${Math.round(event.progress * 100)} %`;
      return { state: 'running', text: `running${percent}`, tone: 'accent', progress: event.progress };
    }
    case 'done':
      return { state: 'done', text: event.durationMs === null ? 'done' : `done in ${formatShort(event.durationMs)}`, tone: 'success', progress: 1 };
    case 'reused':
      return { state: 'reused', text: 'reused', tone: 'success', progress: 1 };
    case 'failed':
      return { state: 'failed', text: 'failed', tone: 'danger', progress: null };
    case 'cancelled':
      return { state: 'cancelled', text: 'cancelled', tone: 'warning', progress: null };
    case 'skipped':
      return { state: 'skipped', text: 'skipped', tone: 'warning', progress: null };
    case 'pending':
      return { state: 'pending', text: 'waiting', tone: 'idle', progress: null };
    default:
      return { state: 'idle', text: 'idle', tone: 'idle', progress: null };
  }
}

function formatShort(durationMs: number): string {
  return durationMs < 1000 ? `${Math.round(durationMs)} ms` : `${(durationMs / 1000).toFixed(1)} s`;
}

/** Run states by node id: a fresh map each time, for $state.raw. */
export function withNodeStates(states: ReadonlyMap<string, NodeStateEvent>, events: readonly NodeStateEvent[]): ReadonlyMap<string, NodeStateEvent> {
  const next = new Map(states);
  for (const event of events) next.set(event.nodeId, event);
  return next;
}

export const NO_NODE_STATES: ReadonlyMap<string, NodeStateEvent> = new Map();
