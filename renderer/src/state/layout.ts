/** Sizes of the resizable panels: limits, clamping, and the stored form (localStorage). */
export type PanelName = 'sidebar' | 'inspector' | 'dock';

export type PanelSizes = Record<PanelName, number>;

export const PANEL_LIMITS: Readonly<Record<PanelName, { readonly minPx: number; readonly maxPx: number }>> = {
  sidebar: { minPx: 200, maxPx: 440 },
  inspector: { minPx: 260, maxPx: 520 },
  dock: { minPx: 120, maxPx: 560 },
};

export const DEFAULT_SIZES: Readonly<PanelSizes> = { sidebar: 264, inspector: 316, dock: 248 };

export const LAYOUT_STORAGE_KEY = 'spvit-studio.layout';

export function clampSize(panel: PanelName, sizePx: number): number {
  const { minPx, maxPx } = PANEL_LIMITS[panel];
  return Math.round(Math.min(maxPx, Math.max(minPx, sizePx)));
}

/** Stored sizes, clamped; anything missing or malformed falls back to the default. */
export function parseStoredSizes(text: string | null): PanelSizes {
  let stored: unknown = null;
  try {
    stored = text === null ? null : JSON.parse(text);
  } catch {
    // A hand-edited or truncated entry: start from the defaults.
  }
  const sizes: PanelSizes = { ...DEFAULT_SIZES };
  if (typeof stored !== 'object' || stored === null) return sizes;
  for (const panel of Object.keys(sizes) as PanelName[]) {
    const value = (stored as Record<string, unknown>)[panel];
    if (typeof value === 'number' && Number.isFinite(value)) sizes[panel] = clampSize(panel, value);
  }
  return sizes;
}
