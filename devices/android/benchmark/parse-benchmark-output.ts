/**
 * A tolerant parser of TFLite benchmark_model output, every version: the headline (new
 * `Inference timings in us: Init: .., First inference: .., Warmup (avg): .., Inference (avg): ..`,
 * the same behind `INFO: `, or the very old `Average inference timings in us: Warmup: ..,
 * Init: .., Inference: ..` / `no stats: ..`), the statistics lines (`count=70 first=.. avg=..`,
 * `count=1 curr=11409`, `count=5 curr=9(all same)`, `count=0`), CRLF line ends, and the op
 * profiling tables. Anything it cannot make sense of is a StudioError carrying the raw text; it
 * never reports a made-up 0.
 */
import { StudioError } from '../../../core/shared/errors';

import { parseNumber, parseStatsLine, splitBenchmarkLines } from './benchmark-lines';
import { parseOpProfile } from './parse-op-profile';

import type { BenchmarkStats } from './benchmark-lines';
import type { OpProfile } from './parse-op-profile';

export type { BenchmarkStats } from './benchmark-lines';

export type BenchmarkOutputFormat = 'new' | 'info-prefixed' | 'old';


export interface BenchmarkResult {
  format: BenchmarkOutputFormat;
  /** Mean latency of the regular runs, microseconds. */
  inferenceAvgUs: number;
  initUs: number | null;
  firstInferenceUs: number | null;
  warmupAvgUs: number | null;
  warmup: BenchmarkStats | null;
  inference: BenchmarkStats | null;
  modelSizeMB: number | null;
  /** e.g. 'XNNPACK', 'GPU', or null when the output names none. */
  delegate: string | null;
  opProfile: OpProfile | null;
}

/** `Key: value, Key (avg): value, ...` */
function parsePairs(text: string): Map<string, number | null> {
  const pairs = new Map<string, number | null>();
  for (const part of text.split(',')) {
    const colon = part.lastIndexOf(':');
    if (colon === -1) continue;
    pairs.set(part.slice(0, colon).trim().toLowerCase(), parseNumber(part.slice(colon + 1)));
  }
  return pairs;
}

function failure(message: string, raw: string, hint: string): StudioError {
  return new StudioError('protocol/bad-frame', message, { hint, details: { raw: raw.length > 200_000 ? raw.slice(-200_000) : raw } });
}

function toolErrors(lines: readonly string[], raw: string): string[] {
  const rawLines = raw.split(/\r?\n|\r/);
  return rawLines
    .map((line, index) => ({ line, clean: lines[index] ?? '' }))
    .filter(({ line, clean }) => /^\s*ERROR\s*:/.test(line) || /Benchmarking failed|Failed to (mmap|load|construct)|inaccessible or not found|can't execute/i.test(clean))
    .map(({ clean }) => clean);
}

export function parseBenchmarkOutput(raw: string): BenchmarkResult {
  const lines = splitBenchmarkLines(raw);
  const newHeadlineIndex = lines.findIndex((line) => /^Inference timings in us:/i.test(line));
  const newHeadline = newHeadlineIndex === -1 ? undefined : lines[newHeadlineIndex];
  // The format is the headline's: some builds prefix only a few lines (runtime messages) with INFO.
  const rawLines = raw.split(/\r?\n|\r/);
  const infoPrefixed = newHeadlineIndex === -1 ? /^\s*INFO\s*:\s*STARTING/m.test(raw) : /^\s*INFO\s*:/.test(rawLines[newHeadlineIndex] ?? '');
  const oldHeadline = lines.find((line) => /^Average inference timings in us:/i.test(line));
  const format: BenchmarkOutputFormat = newHeadline !== undefined ? (infoPrefixed ? 'info-prefixed' : 'new') : oldHeadline !== undefined ? 'old' : infoPrefixed ? 'info-prefixed' : 'new';
  const profileStart = lines.findIndex((line) => /Profiling Info for/i.test(line));
  const statsLines = lines.slice(0, profileStart === -1 ? undefined : profileStart).map(parseStatsLine).filter((stats): stats is BenchmarkStats => stats !== null);
  const warmup = statsLines.length >= 2 ? statsLines[0]! : null;
  const inference = statsLines.length >= 2 ? statsLines[1]! : statsLines[0] ?? null;

  let initUs: number | null = null;
  let firstInferenceUs: number | null = null;
  let warmupAvgUs: number | null = null;
  let headlineAvgUs: number | null = null;
  if (newHeadline !== undefined) {
    const pairs = parsePairs(newHeadline.replace(/^Inference timings in us:/i, ''));
    initUs = pairs.get('init') ?? null;
    firstInferenceUs = pairs.get('first inference') ?? null;
    warmupAvgUs = pairs.get('warmup (avg)') ?? null;
    headlineAvgUs = pairs.get('inference (avg)') ?? null;
  } else if (oldHeadline !== undefined) {
    const pairs = parsePairs(oldHeadline.replace(/^Average inference timings in us:/i, ''));
    initUs = pairs.get('init') ?? null;
    warmupAvgUs = pairs.get('warmup') ?? null;
    // The third value is labelled 'Inference' in most builds and 'no stats' in some.
    const entries = [...pairs.entries()].filter(([key]) => key !== 'init' && key !== 'warmup');
    headlineAvgUs = entries[entries.length - 1]?.[1] ?? null;
  }

  const inferenceAvgUs = headlineAvgUs ?? inference?.avgUs ?? null;
  if (inferenceAvgUs === null || !(inferenceAvgUs > 0)) {
    const errors = toolErrors(lines, raw);
    if (errors.length > 0) {
      throw new StudioError('device/failed', `benchmark_model failed: ${errors.slice(0, 3).join(' / ')}`, {
        hint: 'See the tool output in the details (a missing or unreadable model, a missing delegate, ...).',
        details: { raw: raw.slice(-200_000), errors },
      });
    }
    if (inference !== null && inference.count === 0) {
      throw failure('benchmark_model measured no inference (count=0).', raw, 'Run with --num_runs of at least 1 and --min_secs=0.');
    }
    throw failure('The benchmark_model output has no inference time that could be read.', raw, 'Compare the raw output in the details with the formats in docs/devices.md.');
  }
  const modelSizeLine = lines.find((line) => /^The input model file size \(MB\):/i.test(line));
  const delegateLine = lines.find((line) => /^Created TensorFlow Lite (.*)delegate for (\w+)/i.test(line));
  const delegateMatch = delegateLine === undefined ? null : /^Created TensorFlow Lite (?:(\S+) )?delegate for (\w+)/i.exec(delegateLine);
  return {
    format,
    inferenceAvgUs,
    initUs,
    firstInferenceUs,
    warmupAvgUs: warmupAvgUs ?? warmup?.avgUs ?? null,
    warmup,
    inference,
    modelSizeMB: modelSizeLine === undefined ? null : parseNumber(modelSizeLine.split(':').pop()),
    delegate: delegateMatch === null ? null : (delegateMatch[1] ?? delegateMatch[2] ?? '').toUpperCase() || null,
    opProfile: parseOpProfile(raw),
  };
}
