/**
 * Which token counts to measure so that a latency table shows its staircase: a coarse sweep, then
 * bisection of every interval whose two ends differ by more than the noise, down to adjacent
 * counts. Both sides of every step end up measured (n and n + 1), flat runs stay sparse. The plan
 * is a pure function of the measurements, so a resumed profile replays it and asks again only for
 * what is missing.
 */

export interface PointStats {
  meanMs: number;
  stdMs: number;
  count: number;
}

export interface SweepOptions {
  min: number;
  max: number;
  /** Distance between coarse points (aligned to multiples of it). */
  coarseStep: number;
  /** Counts that matter on their own (the dense sequence): measured in the coarse pass. */
  anchors?: readonly number[];
  /** A change below this fraction of the latency is not a step. */
  relativeThreshold: number;
  /** ...nor one below this many standard errors of the difference. */
  noiseSigmas: number;
}

export const DEFAULT_SWEEP = { coarseStep: 16, relativeThreshold: 0.015, noiseSigmas: 3 } as const;

export function coarseGrid(min: number, max: number, step: number): number[] {
  const points = new Set<number>([min, max]);
  for (let n = Math.ceil(min / step) * step; n < max; n += step) if (n > min) points.add(n);
  return [...points].sort((a, b) => a - b);
}

/** True when latency at b differs from a by more than noise and the relative threshold. */
export function isStep(a: PointStats, b: PointStats, options: Pick<SweepOptions, 'relativeThreshold' | 'noiseSigmas'>): boolean {
  const difference = Math.abs(b.meanMs - a.meanMs);
  const standardError = Math.sqrt(a.stdMs ** 2 / Math.max(1, a.count) + b.stdMs ** 2 / Math.max(1, b.count));
  return difference > options.relativeThreshold * Math.min(a.meanMs, b.meanMs) && difference > options.noiseSigmas * standardError;
}

/**
 * Measures the coarse grid, then refines. `measure` is called once per token count (the caller
 * caches); the points are visited in increasing order within each refinement level.
 */
export async function sweepStaircase(options: SweepOptions, measure: (tokens: number) => Promise<PointStats>): Promise<number[]> {
  const measured = new Map<number, PointStats>();
  const at = async (tokens: number): Promise<PointStats> => {
    const known = measured.get(tokens);
    if (known !== undefined) return known;
    const stats = await measure(tokens);
    measured.set(tokens, stats);
    return stats;
  };
  const anchors = (options.anchors ?? []).filter((n) => n > options.min && n < options.max);
  const grid = [...new Set([...coarseGrid(options.min, options.max, options.coarseStep), ...anchors])].sort((a, b) => a - b);
  for (const tokens of grid) await at(tokens);
  let intervals: [number, number][] = grid.slice(1).map((b, i) => [grid[i] as number, b]);
  while (intervals.length > 0) {
    const next: [number, number][] = [];
    for (const [a, b] of intervals) {
      if (b - a <= 1 || !isStep(await at(a), await at(b), options)) continue;
      const middle = Math.floor((a + b) / 2);
      await at(middle);
      next.push([a, middle], [middle, b]);
    }
    intervals = next;
  }
  return [...measured.keys()].sort((a, b) => a - b);
}
