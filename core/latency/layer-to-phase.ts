/**
 * The layer-to-phase search of spec Part A / B §5.2, as a driver around a caller's short
 * fine-tune: insert selectors from the last block backward (each at the lowest keep ratio whose
 * accuracy stays within `maxAccuracyDrop` of the dense model) until the LUT says the budget is met;
 * merge neighbouring selectors with similar ratios into phases (only a phase's first selector
 * stays); check the budget on the LUT (lower ratios if it is missed, relax the first selector if
 * there is time left); fine-tune the final configuration once more. Flat ViTs only: hierarchical
 * models get one selector per stage.
 */
import { StudioError, throwIfAborted } from '../shared/errors';

import { solveBudget } from './budget-solver';
import { flatSelectors, layoutFromModel } from './layout';
import { createLatencyModel, keptFromRatios, predictLatency } from './latency-model';

import type { AbortSignalLike } from '../shared/abort';
import type { CurveOptions } from './curve';
import type { Lut } from './lut-schema';

export interface PhaseTrial {
  /** Blocks (0-based) with a selector in front, ascending. */
  selectorBlocks: number[];
  /** Cumulative keep ratio per selector, non-increasing. */
  keepRatios: number[];
  purpose: 'baseline' | 'insert' | 'final';
}

export interface TrialResult {
  /** Validation accuracy in [0, 1] after the short fine-tune. */
  accuracy: number;
  /** Keep ratios the model reached, when measured (reported, not used for decisions). */
  realisedKeepRatios?: number[];
}

export type TrialCallback = (trial: PhaseTrial, signal: AbortSignalLike | undefined) => Promise<TrialResult>;

export type PhaseSearchEvent =
  | { kind: 'trial'; trial: PhaseTrial; result: TrialResult }
  | { kind: 'inserted'; block: number; keepRatio: number; predictedMs: number }
  | { kind: 'merged'; phases: Phase[] };

export interface PhaseSearchOptions {
  lut: Lut;
  budgetMs: number;
  fineTune: TrialCallback;
  /** Keep ratios tried for a new selector. Default 0.1 .. 0.9 in steps of 0.1. */
  ratioGrid?: readonly number[];
  /** Largest accepted accuracy loss against the dense model (absolute). Default 0.01. */
  maxAccuracyDrop?: number;
  /** Neighbouring selectors whose ratios differ by at most this share a phase. Default 0.1. */
  mergeTolerance?: number;
  /** The earliest block that may get a selector. Default 1. */
  firstBlock?: number;
  minKeepRatio?: number;
  curveOptions?: CurveOptions;
  signal?: AbortSignalLike;
  onEvent?: (event: PhaseSearchEvent) => void;
}

export interface InsertedSelector {
  block: number;
  keepRatio: number;
  accuracy: number;
}

export interface Phase {
  /** The selectors merged into this phase; the first one's block starts the phase. */
  blocks: number[];
  keepRatio: number;
}

export interface PhaseSearchResult {
  selectorBlocks: number[];
  keepRatios: number[];
  predictedMs: number;
  budgetMs: number;
  baselineAccuracy: number;
  finalAccuracy: number;
  inserted: InsertedSelector[];
  phases: Phase[];
  trials: { trial: PhaseTrial; result: TrialResult }[];
}

const DEFAULT_GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Merges neighbours with similar ratios; a phase's ratio is the block-weighted mean of its members. */
export function mergePhases(inserted: readonly InsertedSelector[], depth: number, tolerance: number): Phase[] {
  const phases: { members: InsertedSelector[] }[] = [];
  for (const selector of inserted) {
    const current = phases[phases.length - 1];
    const first = current?.members[0];
    if (current !== undefined && first !== undefined && Math.abs(selector.keepRatio - first.keepRatio) <= tolerance + 1e-12) {
      current.members.push(selector);
    } else {
      phases.push({ members: [selector] });
    }
  }
  return phases.map((phase, p) => {
    const next = phases[p + 1]?.members[0]?.block ?? depth;
    let weighted = 0;
    let blocks = 0;
    phase.members.forEach((member, i) => {
      const end = phase.members[i + 1]?.block ?? next;
      weighted += member.keepRatio * (end - member.block);
      blocks += end - member.block;
    });
    return { blocks: phase.members.map((m) => m.block), keepRatio: weighted / blocks };
  });
}

export async function runPhaseSearch(options: PhaseSearchOptions): Promise<PhaseSearchResult> {
  const { lut, budgetMs, signal } = options;
  const [stage, ...others] = lut.model.stages;
  if (stage === undefined || others.length > 0) {
    throw new StudioError('model/unsupported', 'The layer-to-phase search places selectors in flat ViTs only', {
      details: { arch: lut.model.arch, stages: lut.model.stages.length },
      hint: 'For PiT and Swin, use one selector per stage and the budget solver.',
    });
  }
  const depth = stage.depth;
  const grid = [...(options.ratioGrid ?? DEFAULT_GRID)].filter((r) => r > 0 && r < 1).sort((a, b) => a - b);
  const maxDrop = options.maxAccuracyDrop ?? 0.01;
  const trials: PhaseSearchResult['trials'] = [];
  const run = async (trial: PhaseTrial): Promise<TrialResult> => {
    throwIfAborted(signal);
    const result = await options.fineTune(trial, signal);
    trials.push({ trial, result });
    options.onEvent?.({ kind: 'trial', trial, result });
    return result;
  };
  const predict = (blocks: number[], ratios: number[]) => {
    const model = createLatencyModel(lut, layoutFromModel(lut.model, flatSelectors(blocks)), options.curveOptions);
    return predictLatency(model, keptFromRatios(model, ratios)).totalMs;
  };

  const baseline = await run({ selectorBlocks: [], keepRatios: [], purpose: 'baseline' });
  const inserted: InsertedSelector[] = [];
  for (let block = depth - 1; block >= (options.firstBlock ?? 1); block -= 1) {
    if (predict(inserted.map((s) => s.block), inserted.map((s) => s.keepRatio)) <= budgetMs) break;
    const floor = inserted[0]?.keepRatio ?? 0;
    const candidates = grid.filter((r) => r >= floor);
    // Binary search for the lowest acceptable ratio (accuracy grows with the ratio kept).
    let lo = 0;
    let hi = candidates.length - 1;
    let found: InsertedSelector | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const ratio = candidates[mid] as number;
      const trial = { selectorBlocks: [block, ...inserted.map((s) => s.block)], keepRatios: [ratio, ...inserted.map((s) => s.keepRatio)], purpose: 'insert' as const };
      const result = await run(trial);
      if (result.accuracy >= baseline.accuracy - maxDrop) {
        found = { block, keepRatio: ratio, accuracy: result.accuracy };
        hi = mid - 1;
      } else {
        lo = mid + 1;
      }
    }
    // Earlier blocks are harder to prune: if no ratio works here, none will further up.
    if (found === null) break;
    inserted.unshift(found);
    options.onEvent?.({ kind: 'inserted', block, keepRatio: found.keepRatio, predictedMs: predict(inserted.map((s) => s.block), inserted.map((s) => s.keepRatio)) });
  }

  const phases = mergePhases(inserted, depth, options.mergeTolerance ?? 0.1);
  options.onEvent?.({ kind: 'merged', phases });
  const blocks = phases.map((p) => p.blocks[0] as number);
  const ratios = phases.map((p) => p.keepRatio);
  const model = createLatencyModel(lut, layoutFromModel(lut.model, flatSelectors(blocks)), options.curveOptions);
  const solverOptions = { budgetMs, ...(options.minKeepRatio === undefined ? {} : { minKeepRatio: options.minKeepRatio }) };
  const overBudget = predictLatency(model, keptFromRatios(model, ratios)).totalMs > budgetMs;
  // Over budget: the solver may only lower ratios. Under: relax the first selector, fix the rest.
  const bounds = overBudget ? ratios.map((r) => ({ max: r })) : ratios.map((r, i) => (i === 0 ? { min: r, max: 1 } : { min: r, max: r }));
  const solution = solveBudget(model, { ...solverOptions, bounds });
  const final = await run({ selectorBlocks: blocks, keepRatios: solution.keepRatios, purpose: 'final' });
  return {
    selectorBlocks: blocks,
    keepRatios: solution.keepRatios,
    predictedMs: solution.predictedMs,
    budgetMs,
    baselineAccuracy: baseline.accuracy,
    finalAccuracy: final.accuracy,
    inserted,
    phases,
    trials,
  };
}
