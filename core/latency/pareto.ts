/** Pareto fronts of (latency, kept-token objective) for the budget solver's dynamic programme. */

export interface FrontEntry {
  latencyMs: number;
  /** Kept token-blocks (fractions of the grid), the accuracy proxy: higher is better. */
  objective: number;
  /** Tie-break: earlier selectors weigh more, so ties keep early selectors high. */
  tieBreak: number;
  kept: number;
  previous: FrontEntry | null;
}

const EPSILON = 1e-9;

/** a is better than b in (objective, tieBreak), lexicographically. */
export function isBetter(a: FrontEntry, b: FrontEntry): boolean {
  if (a.objective > b.objective + EPSILON) return true;
  if (a.objective < b.objective - EPSILON) return false;
  return a.tieBreak > b.tieBreak + EPSILON;
}

/** Non-dominated entries: sorted by latency, each strictly better than all cheaper ones. */
export function paretoFront(entries: FrontEntry[]): FrontEntry[] {
  const sorted = [...entries].sort((a, b) => a.latencyMs - b.latencyMs || (isBetter(a, b) ? -1 : isBetter(b, a) ? 1 : 0));
  const front: FrontEntry[] = [];
  for (const entry of sorted) {
    const best = front[front.length - 1];
    if (best === undefined || isBetter(entry, best)) front.push(entry);
  }
  return front;
}

/** Merges two fronts (each already a Pareto front). */
export function mergeFronts(a: readonly FrontEntry[], b: readonly FrontEntry[]): FrontEntry[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const out: FrontEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    let next: FrontEntry;
    if (y === undefined || (x !== undefined && (x.latencyMs < y.latencyMs || (x.latencyMs === y.latencyMs && !isBetter(y, x))))) {
      next = x as FrontEntry;
      i += 1;
    } else {
      next = y;
      j += 1;
    }
    const best = out[out.length - 1];
    if (best === undefined || isBetter(next, best)) out.push(next);
  }
  return out;
}

/** Keeps at most `limit` entries, spread evenly over latency (the ends always stay). */
export function thinFront(front: FrontEntry[], limit: number): FrontEntry[] {
  if (front.length <= limit) return front;
  const out: FrontEntry[] = [];
  const step = (front.length - 1) / (limit - 1);
  for (let i = 0; i < limit; i += 1) out.push(front[Math.round(i * step)] as FrontEntry);
  return out;
}
