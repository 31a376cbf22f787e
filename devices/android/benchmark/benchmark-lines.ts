/** Line-level pieces shared by the benchmark_model parsers: prefix stripping, numbers, stats lines. */

export interface BenchmarkStats {
  count: number;
  firstUs: number | null;
  currentUs: number | null;
  minUs: number | null;
  maxUs: number | null;
  avgUs: number | null;
  stdUs: number | null;
  /** `count=N curr=X(all same)` or a single sample. */
  allSame: boolean;
}

/** Log prefixes benchmark_model builds put before lines (TFLITE_LOG, logcat-like tags). */
const LINE_PREFIX = /^(?:(?:INFO|WARNING|WARN|ERROR|VERBOSE|DEBUG)\s*:\s*|[IWE]\s+tflite\s*:\s*)/;

export function splitBenchmarkLines(raw: string): string[] {
  return raw.split(/\r?\n|\r/).map((line) => line.replace(LINE_PREFIX, '').trim());
}

export function parseNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const match = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/i.exec(text.trim());
  if (match === null) return null;
  const value = Number(match[0]);
  return Number.isFinite(value) ? value : null;
}

/** `count=70 first=14941 curr=14066 min=13728 max=16145 avg=14290.9 std=452` and its short forms. */
export function parseStatsLine(line: string): BenchmarkStats | null {
  const body = line.replace(/^.*?(?=count=)/, '');
  if (!body.startsWith('count=')) return null;
  const values = new Map<string, string>();
  for (const match of body.matchAll(/(\w+)=(\S+)/g)) values.set(match[1]!, match[2]!);
  const count = parseNumber(values.get('count'));
  if (count === null || !Number.isInteger(count) || count < 0) return null;
  const current = parseNumber(values.get('curr'));
  const allSame = count > 0 && !values.has('avg') && current !== null;
  return {
    count,
    firstUs: parseNumber(values.get('first')) ?? (allSame ? current : null),
    currentUs: current,
    minUs: parseNumber(values.get('min')) ?? (allSame ? current : null),
    maxUs: parseNumber(values.get('max')) ?? (allSame ? current : null),
    avgUs: parseNumber(values.get('avg')) ?? (allSame ? current : null),
    stdUs: parseNumber(values.get('std')) ?? (allSame ? 0 : null),
    allSame,
  };
}

