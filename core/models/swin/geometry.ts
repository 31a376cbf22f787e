/**
 * Swin's window arithmetic as plain numbers (no tensors): the window and shift a block really uses,
 * the padding to whole windows, the relative-position index and the shifted-window attention mask.
 * Follows timm 1.0 (`SwinTransformerBlock._calc_window_shift`, `get_attn_mask`).
 */

/** [height, width]. */
export type Size2 = readonly [number, number];

export interface WindowGeometry {
  /** Window actually used: the configured window clipped to the feature resolution, per axis. */
  window: Size2;
  /** Cyclic shift: half the configured window on odd blocks, 0 on an axis that fits in one window. */
  shift: Size2;
  /** Resolution after padding the bottom/right to whole windows. */
  padded: Size2;
  /** Windows per image: (padded h / window h) * (padded w / window w). */
  windowCount: number;
}

export interface WindowGeometryOptions {
  /** Feature resolution the block really sees. */
  resolution: Size2;
  /**
   * The resolution timm declares for the block (differs from `resolution` only after merging an odd
   * grid); it decides window clipping and shift. Defaults to `resolution`.
   */
  declaredResolution?: Size2;
  /** The stage's configured window size. */
  targetWindow: Size2;
  /** Odd blocks of a stage (1, 3, ...) use shifted windows. */
  shifted: boolean;
  /** timm's `always_partition`: keep the configured window and shift even when they exceed the resolution. */
  alwaysPartition?: boolean;
}

export function windowGeometry(options: WindowGeometryOptions): WindowGeometry {
  const { resolution, targetWindow, shifted } = options;
  const declared = options.declaredResolution ?? resolution;
  const targetShift: Size2 = shifted ? [Math.floor(targetWindow[0] / 2), Math.floor(targetWindow[1] / 2)] : [0, 0];
  let window: Size2 = targetWindow;
  let shift: Size2 = targetShift;
  if (options.alwaysPartition !== true) {
    window = [Math.min(declared[0], targetWindow[0]), Math.min(declared[1], targetWindow[1])];
    shift = [declared[0] <= window[0] ? 0 : targetShift[0], declared[1] <= window[1] ? 0 : targetShift[1]];
  }
  const padded: Size2 = [Math.ceil(resolution[0] / window[0]) * window[0], Math.ceil(resolution[1] / window[1]) * window[1]];
  return { window, shift, padded, windowCount: (padded[0] / window[0]) * (padded[1] / window[1]) };
}

/** Rows of the relative-position bias table: (2h - 1)(2w - 1). */
export function relativeTableSize(window: Size2): number {
  return (2 * window[0] - 1) * (2 * window[1] - 1);
}

/**
 * For tokens i, j of a window (row-major), the table row of their offset (i - j):
 * (dy + h - 1) * (2w - 1) + (dx + w - 1). Returns N*N indices, N = h*w, row i then column j.
 */
export function relativePositionIndex(window: Size2): Int32Array {
  const [h, w] = window;
  const area = h * w;
  const index = new Int32Array(area * area);
  for (let i = 0; i < area; i++) {
    const yi = Math.floor(i / w);
    const xi = i % w;
    for (let j = 0; j < area; j++) {
      const dy = yi - Math.floor(j / w);
      const dx = xi - (j % w);
      index[i * area + j] = (dy + h - 1) * (2 * w - 1) + (dx + w - 1);
    }
  }
  return index;
}

/** timm adds -100 (not -inf) between tokens that came from different regions before the shift. */
export const SHIFT_MASK_VALUE = -100;

/** Region ids of the padded grid: 3 bands per axis, [0, P-win), [P-win, P-shift), [P-shift, P). */
function regionIds(geometry: WindowGeometry): Int32Array {
  const [ph, pw] = geometry.padded;
  const band = (coordinate: number, axis: 0 | 1): number => {
    const size = geometry.padded[axis];
    if (coordinate < size - geometry.window[axis]) return 0;
    if (coordinate < size - geometry.shift[axis]) return 1;
    return 2;
  };
  const ids = new Int32Array(ph * pw);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) ids[y * pw + x] = band(y, 0) * 3 + band(x, 1);
  }
  return ids;
}

/**
 * The additive mask of shifted-window attention, [windowCount, N, N] flattened, windows in
 * row-major order over the padded grid. Null when the block has no shift.
 */
export function shiftedWindowMask(geometry: WindowGeometry): Float32Array | null {
  if (geometry.shift[0] === 0 && geometry.shift[1] === 0) return null;
  const [wh, ww] = geometry.window;
  const pw = geometry.padded[1];
  const ids = regionIds(geometry);
  const area = wh * ww;
  const columns = pw / ww;
  const mask = new Float32Array(geometry.windowCount * area * area);
  for (let win = 0; win < geometry.windowCount; win++) {
    const top = Math.floor(win / columns) * wh;
    const left = (win % columns) * ww;
    const windowIds = new Int32Array(area);
    for (let t = 0; t < area; t++) {
      windowIds[t] = ids[(top + Math.floor(t / ww)) * pw + left + (t % ww)] ?? -1;
    }
    for (let i = 0; i < area; i++) {
      for (let j = 0; j < area; j++) {
        if (windowIds[i] !== windowIds[j]) mask[(win * area + i) * area + j] = SHIFT_MASK_VALUE;
      }
    }
  }
  return mask;
}

export interface StageResolution {
  /** The grid the stage's blocks really see: patch merging pads odd sizes, so it halves with ceil. */
  actual: Size2;
  /** The resolution timm declares for the blocks (floor halving); it decides window clipping and shift. */
  declared: Size2;
}

/** Feature resolution of each stage; stage 0 keeps the patch grid, each later stage merges 2x2. */
export function stageResolutions(patchGrid: Size2, stageCount: number): StageResolution[] {
  const resolutions: StageResolution[] = [];
  let actual = patchGrid;
  let declared = patchGrid;
  for (let i = 0; i < stageCount; i++) {
    if (i > 0) {
      actual = [Math.ceil(actual[0] / 2), Math.ceil(actual[1] / 2)];
      declared = [Math.floor(declared[0] / 2), Math.floor(declared[1] / 2)];
    }
    resolutions.push({ actual, declared });
  }
  return resolutions;
}
