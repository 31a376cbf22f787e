/**
 * Latency tables shaped for the staircase chart: per block type, each measured token count with its
 * mean and spread (the samples' range, or mean ± std without samples), the monotone fit, the keep
 * choices of the budget solver, and the table as CSV.
 */
import type { BudgetSolution, FittedTable, LutJson, OpLatencyJson } from '../../../core/api/contracts/luts';

export interface StaircasePoint {
  readonly tokens: number;
  readonly meanMs: number;
  readonly lowMs: number;
  readonly highMs: number;
  readonly samplesMs: readonly number[];
}

export interface StaircaseSeries {
  readonly label: string;
  readonly blockType: string;
  readonly stage: number;
  readonly points: readonly StaircasePoint[];
  /** The monotone fit at the measured counts (flat across each step). */
  readonly fit: readonly { readonly tokens: number; readonly ms: number }[];
}

export const BLOCK_TYPE_ORDER = ['block', 'block-after-selector', 'selector', 'patch-embed', 'downsample', 'head'] as const;

export function blockTypesOf(lut: LutJson): string[] {
  const present = new Set(lut.tables.map((table) => table.blockType));
  return [...BLOCK_TYPE_ORDER.filter((type) => present.has(type)), ...[...present].filter((type) => !(BLOCK_TYPE_ORDER as readonly string[]).includes(type))];
}

/** "SM-G980F · tflite 4 threads" — how a LUT is named in legends and pickers. */
export function lutLabel(lut: LutJson): string {
  const threads = lut.device.threads === null ? '' : ` ${lut.device.threads} threads`;
  return `${lut.device.model} · ${lut.device.runtime}${threads}`;
}

export function seriesOf(lut: LutJson, fitted: readonly FittedTable[], blockType: string, stage = 0): StaircaseSeries | null {
  const table = lut.tables.find((entry) => entry.blockType === blockType && entry.stage === stage);
  if (table === undefined) return null;
  const fit = fitted.find((entry) => entry.blockType === blockType && entry.stage === stage);
  const points = table.points.map((point): StaircasePoint => {
    const samples = point.samplesMs ?? [];
    const spread = samples.length > 0 ? { lowMs: Math.min(...samples), highMs: Math.max(...samples) } : { lowMs: Math.max(0, point.meanMs - point.stdMs), highMs: point.meanMs + point.stdMs };
    return { tokens: point.tokens, meanMs: point.meanMs, samplesMs: samples, ...spread };
  });
  return {
    label: lutLabel(lut),
    blockType,
    stage,
    points,
    fit: fit === undefined ? [] : fit.tokens.map((tokens, i) => ({ tokens, ms: fit.valuesMs[i] ?? 0 })),
  };
}

export interface Extent {
  readonly maxTokens: number;
  readonly maxMs: number;
}

export function extentOf(series: readonly (StaircaseSeries | null)[]): Extent {
  let maxTokens = 1;
  let maxMs = 0;
  for (const entry of series) {
    for (const point of entry?.points ?? []) {
      maxTokens = Math.max(maxTokens, point.tokens);
      maxMs = Math.max(maxMs, point.highMs, point.meanMs);
    }
  }
  return { maxTokens, maxMs: maxMs === 0 ? 1 : maxMs };
}

export interface KeepMarker {
  readonly tokens: number;
  readonly label: string;
}

/** Where the solver's kept counts fall on a block chart: tokens entering the block after each selector. */
export function keepMarkers(solution: BudgetSolution | null, blockType: string): KeepMarker[] {
  if (solution === null || (blockType !== 'block-after-selector' && blockType !== 'block')) return [];
  return solution.selectors.map((selector, i) => ({
    tokens: selector.blockTokens,
    label: `S${i + 1}: keep ${selector.keepRatio.toFixed(2)} (${selector.keptTokens}/${selector.gridTokens})`,
  }));
}

export interface BarSegment {
  readonly group: string;
  readonly startMs: number;
  readonly ms: number;
}

export interface BudgetBar {
  readonly label: string;
  readonly totalMs: number;
  readonly segments: readonly BarSegment[];
}

const BAR_GROUPS: Readonly<Record<string, string>> = { 'patch-embed': 'patch embed', block: 'blocks', 'block-after-selector': 'blocks', selector: 'selectors', downsample: 'downsampling', head: 'head' };
export const BAR_GROUP_ORDER = ['patch embed', 'blocks', 'selectors', 'downsampling', 'head'] as const;

function bar(label: string, ops: readonly OpLatencyJson[]): BudgetBar {
  const sums = new Map<string, number>();
  for (const op of ops) {
    const group = BAR_GROUPS[op.blockType] ?? op.blockType;
    sums.set(group, (sums.get(group) ?? 0) + op.latencyMs);
  }
  let startMs = 0;
  const segments: BarSegment[] = [];
  for (const group of BAR_GROUP_ORDER) {
    const ms = sums.get(group);
    if (ms === undefined) continue;
    segments.push({ group, startMs, ms });
    startMs += ms;
  }
  return { label, totalMs: startMs, segments };
}

/** The dense model and the solver's choice as stacked bars of predicted latency per part. */
export function budgetBars(solution: BudgetSolution): BudgetBar[] {
  return [bar('Dense', solution.denseOps), bar('At the budget', solution.ops)];
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per measured point; samples joined by ';' in the last column. */
export function lutToCsv(lut: LutJson): string {
  const header = ['device', 'model', 'block_type', 'stage', 'tokens', 'mean_ms', 'std_ms', 'count', 'samples_ms'];
  const rows = lut.tables.flatMap((table) =>
    table.points.map((point) => [lut.device.model, lut.model.name ?? lut.model.arch, table.blockType, table.stage, point.tokens, point.meanMs, point.stdMs, point.count, (point.samplesMs ?? []).join(';')]),
  );
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}
