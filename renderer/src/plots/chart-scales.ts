/** Scales and ticks of the latency charts, from their extent and the space they get. */
import { scaleLinear } from 'd3';

import type { ScaleLinear } from 'd3';
import type { Extent } from './staircase-data';

export interface Margins {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

export interface ChartScales {
  readonly x: ScaleLinear<number, number>;
  readonly y: ScaleLinear<number, number>;
  readonly xTicks: readonly number[];
  readonly yTicks: readonly number[];
  /** The plotting area in pixels. */
  readonly area: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
}

export const CHART_MARGINS: Margins = { top: 16, right: 24, bottom: 44, left: 56 };

/** Tokens from 0 and latency from 0 (a latency chart that does not start at zero misleads). */
export function staircaseScales(extent: Extent, size: { width: number; height: number }, margins: Margins = CHART_MARGINS): ChartScales {
  const area = { left: margins.left, right: Math.max(margins.left + 1, size.width - margins.right), top: margins.top, bottom: Math.max(margins.top + 1, size.height - margins.bottom) };
  const x = scaleLinear().domain([0, extent.maxTokens]).nice().range([area.left, area.right]);
  const y = scaleLinear().domain([0, extent.maxMs * 1.08]).nice().range([area.bottom, area.top]);
  return { x, y, area, xTicks: x.ticks(Math.max(2, Math.floor(size.width / 90))), yTicks: y.ticks(Math.max(2, Math.floor(size.height / 50))) };
}

/** Milliseconds as the axes and labels show them: 3 significant figures, no trailing zeros. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  const digits = ms >= 100 ? 0 : ms >= 10 ? 1 : ms >= 1 ? 2 : 3;
  return String(Number(ms.toFixed(digits)));
}
