/** Device details (a free-form record from the backend) as labelled, readable rows. */
const ACRONYMS: Readonly<Record<string, string>> = {
  abi: 'ABI',
  cpu: 'CPU',
  gpu: 'GPU',
  id: 'ID',
  ip: 'IP',
  sdk: 'SDK',
  soc: 'SoC',
  npu: 'NPU',
};

/** Trailing unit words in our key names, and how a reader expects them (longest first). */
const UNITS: readonly (readonly [suffix: string, unit: string])[] = [
  ['Percent', '%'],
  ['Bytes', 'bytes'],
  ['KHz', 'kHz'],
  ['MHz', 'MHz'],
  ['Ms', 'ms'],
  ['C', '°C'],
];

function splitUnit(key: string): { stem: string; unit: string | null } {
  for (const [suffix, unit] of UNITS) {
    const stem = key.slice(0, -suffix.length);
    if (key.endsWith(suffix) && /[a-z0-9]$/.test(stem)) return { stem, unit };
  }
  return { stem: key, unit: null };
}

/**
 * `cpuTemperatureC` → "CPU temperature (°C)", `bigCoreMask` → "Big core mask"; with
 * `capitalise` false the first word stays lower case (for keys inside a sentence).
 */
export function humanizeKey(key: string, capitalise = true): string {
  const { stem, unit } = splitUnit(key);
  const words = stem.match(/[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])/g) ?? [stem];
  const named = words.map((word, index) => {
    const acronym = ACRONYMS[word.toLowerCase()];
    if (acronym !== undefined) return acronym;
    const lower = word.toLowerCase();
    return index === 0 && capitalise ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
  });
  return unit === null ? named.join(' ') : `${named.join(' ')} (${unit})`;
}

function describeObject(value: Record<string, unknown>): string {
  return Object.entries(value)
    .map(([key, inner]) => `${humanizeKey(key, false)} ${describeValue(inner)}`)
    .join(', ');
}

/** Scalars as written, lists joined, objects as "key value" pairs, one per line for lists of them. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const objects = value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item));
    return value.map((item) => describeValue(item)).join(objects && value.length > 0 ? '\n' : ', ');
  }
  if (typeof value === 'object') return describeObject(value as Record<string, unknown>);
  return String(value);
}
