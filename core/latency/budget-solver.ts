/**
 * Latency budget -> keep ratios per selector. Maximises kept token-blocks (a proxy for accuracy)
 * subject to T <= budget and rho_0 >= rho_1 >= ..., with T the LUT-predicted latency of the whole
 * forward pass (spec B §7, generalised to any selector positions and to PiT/Swin stages). Kept
 * counts sit at the right edge of latency steps (more tokens for the same time). Exact dynamic
 * programme over Pareto fronts of (latency, kept token-blocks).
 */
import { StudioError } from '../shared/errors';

import { opTokens } from './layout';
import { denseKept, predictLatency } from './latency-model';
import { mergeFronts, paretoFront, thinFront } from './pareto';

import type { LatencyModel, OpLatency } from './latency-model';
import type { FrontEntry } from './pareto';

export interface RatioBounds {
  min?: number;
  max?: number;
}

export interface SolveBudgetOptions {
  budgetMs: number;
  /** Lowest keep ratio any selector may get. Default 0.05. */
  minKeepRatio?: number;
  /** Per-selector bounds (e.g. min = max to fix a selector). */
  bounds?: readonly (RatioBounds | undefined)[];
}

export interface SelectorChoice {
  stage: number;
  block: number;
  keptTokens: number;
  gridTokens: number;
  keepRatio: number;
  /** True when one more kept token would cost more time (the right edge of a step). */
  onStepEdge: boolean;
}

export interface BudgetSolution {
  budgetMs: number;
  predictedMs: number;
  /** With the selectors in place keeping every token. */
  denseMs: number;
  /** The fastest any allowed choice can be. */
  minimumMs: number;
  keepRatios: number[];
  keptTokens: number[];
  selectors: SelectorChoice[];
  /** Token count and latency of every op (per-block token counts). */
  ops: OpLatency[];
  /** Fixed ops the LUT has no table for (not counted in the times). */
  omitted: string[];
}

const FRONT_LIMIT = 4000;

interface Phase {
  grid: number;
  minKept: number;
  maxKept: number;
  blocks: number;
  cost: (kept: number) => number;
}

function phasesOf(model: LatencyModel, options: SolveBudgetOptions): { phases: Phase[]; constantMs: number } {
  const minRatio = options.minKeepRatio ?? 0.05;
  let constantMs = 0;
  const groups = model.selectorGrid.map(() => [] as LatencyModel['ops'][number][]);
  for (const op of model.ops) {
    if (op.phase < 0) constantMs += op.curve.at(opTokens(op, []));
    else groups[op.phase]?.push(op);
  }
  const phases = model.selectorGrid.map((grid, s) => {
    const bound = options.bounds?.[s] ?? {};
    const low = Math.max(minRatio, bound.min ?? 0) * grid;
    const high = (bound.max ?? 1) * grid;
    let minKept = Math.max(1, Math.ceil(low - 1e-9));
    let maxKept = Math.min(grid, Math.floor(high + 1e-9));
    if (minKept > maxKept && high >= low && high - low < 1) {
      // A range narrower than one token (e.g. a fixed ratio): the nearest whole count.
      minKept = Math.max(1, Math.min(grid, Math.round((low + high) / 2)));
      maxKept = minKept;
    }
    if (minKept > maxKept) {
      throw new StudioError('input/invalid', `Selector ${s}: no keep ratio fits its bounds (min ${minKept} > max ${maxKept} tokens of ${grid})`, {
        details: { field: `bounds[${s}]`, minKept, maxKept, grid },
        hint: 'Lower minKeepRatio or widen the bounds of this selector.',
      });
    }
    const ops = groups[s] ?? [];
    const blocks = ops.filter((op) => op.blockType === 'block' || op.blockType === 'block-after-selector').length;
    const cost = (kept: number) => ops.reduce((sum, op) => sum + op.curve.at(opTokens(op, Array<number>(s + 1).fill(kept))), 0);
    return { grid, minKept, maxKept, blocks, cost };
  });
  return { phases, constantMs };
}

/** Kept counts worth considering: right edges of the phase's steps, plus caps set by the previous selector. */
function candidatesOf(phase: Phase, previous: { values: number[]; grid: number } | null): number[] {
  const set = new Set<number>();
  for (let k = phase.minKept; k <= phase.maxKept; k += 1) {
    if (k === phase.maxKept || phase.cost(k + 1) > phase.cost(k) + 1e-12) set.add(k);
  }
  if (previous !== null) {
    for (const m of previous.values) {
      const cap = Math.floor((m * phase.grid) / previous.grid + 1e-9);
      if (cap >= phase.minKept && cap <= phase.maxKept) set.add(cap);
    }
  }
  return [...set].sort((a, b) => a - b);
}

function infeasible(budgetMs: number, minimumMs: number, denseMs: number): StudioError {
  return new StudioError(
    'input/invalid',
    `A latency budget of ${budgetMs.toFixed(3)} ms cannot be met: the fastest allowed configuration takes ${minimumMs.toFixed(3)} ms (dense ${denseMs.toFixed(3)} ms)`,
    {
      details: { field: 'budgetMs', budgetMs, minimumMs, denseMs },
      hint: `Raise the budget to at least ${minimumMs.toFixed(3)} ms, allow lower keep ratios, or put selectors earlier.`,
    },
  );
}

export function solveBudget(model: LatencyModel, options: SolveBudgetOptions): BudgetSolution {
  const { budgetMs } = options;
  if (!(budgetMs > 0) || !Number.isFinite(budgetMs)) {
    throw new StudioError('input/invalid', `The latency budget must be a positive number of milliseconds, got ${budgetMs}`, {
      details: { field: 'budgetMs', budgetMs },
      hint: 'Give the budget in milliseconds, e.g. 12.',
    });
  }
  const { phases, constantMs } = phasesOf(model, options);
  const denseMs = predictLatency(model, denseKept(model)).totalMs;
  const minRest = phases.map((_, s) => phases.slice(s + 1).reduce((sum, p) => sum + p.cost(p.minKept), 0));
  const minimumMs = constantMs + (minRest[0] ?? 0) + (phases[0] === undefined ? 0 : phases[0].cost(phases[0].minKept));
  if (minimumMs > budgetMs + 1e-9) throw infeasible(budgetMs, minimumMs, denseMs);

  const S = phases.length;
  let previous: { values: number[]; grid: number; fronts: FrontEntry[][] } | null = null;
  for (const [s, phase] of phases.entries()) {
    const values = candidatesOf(phase, previous);
    const slack = budgetMs - constantMs - (minRest[s] ?? 0) + 1e-9;
    // suffix[i] = union of the previous selector's fronts for candidates i.. (those with ratio >= threshold).
    const suffix: FrontEntry[][] = [];
    if (previous !== null) {
      for (let i = previous.values.length - 1; i >= 0; i -= 1) {
        suffix[i] = thinFront(mergeFronts(previous.fronts[i] ?? [], suffix[i + 1] ?? []), FRONT_LIMIT);
      }
    }
    const fronts = values.map((kept) => {
      const latency = phase.cost(kept);
      const ratio = kept / phase.grid;
      const gain = { objective: phase.blocks * ratio, tieBreak: (S - s) * ratio };
      if (previous === null) {
        return latency <= slack ? [{ latencyMs: latency, ...gain, kept, previous: null }] : [];
      }
      const prev: { values: number[]; grid: number } = previous;
      const first = prev.values.findIndex((m) => m * phase.grid >= kept * prev.grid);
      const base = first < 0 ? [] : (suffix[first] ?? []);
      const entries = base
        .map((e) => ({ latencyMs: e.latencyMs + latency, objective: e.objective + gain.objective, tieBreak: e.tieBreak + gain.tieBreak, kept, previous: e }))
        .filter((e) => e.latencyMs <= slack);
      return paretoFront(entries);
    });
    previous = { values, grid: phase.grid, fronts };
  }

  let best: FrontEntry | null = null;
  for (const front of previous?.fronts ?? []) {
    const top = front[front.length - 1];
    if (top !== undefined && (best === null || top.objective > best.objective + 1e-9 || (Math.abs(top.objective - best.objective) <= 1e-9 && top.tieBreak > best.tieBreak))) {
      best = top;
    }
  }
  const kept: number[] = new Array<number>(S).fill(0);
  for (let entry = best, s = S - 1; entry !== null && s >= 0; entry = entry.previous, s -= 1) kept[s] = entry.kept;
  if (S > 0 && best === null) throw infeasible(budgetMs, minimumMs, denseMs);

  const prediction = predictLatency(model, kept);
  const selectors = model.layout.selectors.map((position, s) => {
    const phase = phases[s] as Phase;
    const k = kept[s] ?? 0;
    return {
      ...position,
      keptTokens: k,
      gridTokens: phase.grid,
      keepRatio: k / phase.grid,
      onStepEdge: k === phase.grid || phase.cost(k + 1) > phase.cost(k) + 1e-12,
    };
  });
  return {
    budgetMs,
    predictedMs: prediction.totalMs,
    denseMs,
    minimumMs,
    keepRatios: selectors.map((s) => s.keepRatio),
    keptTokens: kept,
    selectors,
    ops: prediction.ops,
    omitted: [...model.omitted],
  };
}
