/** Curves as the line charts draw them. */
export interface SeriesPoint {
  readonly x: number;
  readonly y: number;
}

export interface Series {
  readonly key: string;
  readonly label: string;
  /** Colour slot 1..6 (--plot-N). */
  readonly tone: number;
  readonly dashed: boolean;
  /** Drawn as dots only (validation passes). */
  readonly dots: boolean;
  readonly points: readonly SeriesPoint[];
}
