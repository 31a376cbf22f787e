/** Field labels and the text a form input shows and reads back (numbers, number lists). */
import { humanizeKey } from '../device-details';

const LABELS: Readonly<Record<string, string>> = {
  lr: 'Learning rate',
  minLr: 'Final learning rate',
  kwargs: 'timm arguments',
  valFraction: 'Validation fraction',
  trainLimit: 'Training images (at most)',
  testLimit: 'Test images (at most)',
  gumbelTau: 'Gumbel τ',
  gumbelNoise: 'Gumbel noise annealing',
  annealFrom: 'Anneal from (fraction of the stage)',
  finalScale: 'Final noise scale',
  backboneLrCap: 'Backbone LR cap',
  fractionOfDense: 'Fraction of dense latency',
  deviceKind: 'Device kind',
  spvit: 'SPViT stage',
  dense: 'Dense stage',
  tileTokens: 'Tile (tokens)',
  gflops: 'GFLOP/s',
};

export function fieldLabel(key: string): string {
  return LABELS[key] ?? humanizeKey(key);
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function parseNumber(text: string, integer: boolean): Parsed<number | undefined> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { ok: false, error: `'${trimmed}' is not a number` };
  if (integer && !Number.isInteger(value)) return { ok: false, error: `'${trimmed}' is not a whole number` };
  return { ok: true, value };
}

/** "1, 2, 3" (commas or spaces) -> [1, 2, 3]. */
export function parseNumberList(text: string, integer: boolean): Parsed<number[] | undefined> {
  const parts = text.split(/[\s,]+/).filter((part) => part !== '');
  if (parts.length === 0) return { ok: true, value: undefined };
  const values: number[] = [];
  for (const part of parts) {
    const parsed = parseNumber(part, integer);
    if (!parsed.ok) return parsed;
    values.push(parsed.value as number);
  }
  return { ok: true, value: values };
}

export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

export function parseJson(text: string): Parsed<unknown> {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
