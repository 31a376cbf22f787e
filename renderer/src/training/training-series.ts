/**
 * A training run's curves from its metric records (metrics.jsonl, and live training.progress
 * events turned into the same records): loss, accuracy, achieved vs target keep ratio per selector,
 * predicted latency vs the budget. Steps run on from the dense stage into the SPViT stage.
 */
import type { MetricRecordJson } from '../../../core/api/contracts/runs';
import type { TrainingProgress } from '../../../core/api/contracts/training';
import type { Series, SeriesPoint } from '../plots/series';

export interface TrainingCharts {
  readonly loss: readonly Series[];
  readonly accuracy: readonly Series[];
  readonly keep: readonly Series[];
  readonly latency: readonly Series[];
  readonly budgetMs: number | null;
  /** The global step where the SPViT stage starts, when there was a dense stage before it. */
  readonly stageBoundary: number | null;
}

/** The records the trainer writes to metrics.jsonl for a progress event (see core/train/trainer). */
export function progressToRecords(progress: TrainingProgress): MetricRecordJson[] {
  const at = { nodeId: progress.nodeId, step: progress.step, epoch: progress.epoch };
  const prefix = `${progress.stage}/train`;
  const records: MetricRecordJson[] = Object.entries(progress.loss).map(([name, value]) => ({ ...at, name: `${prefix}/loss${name === 'total' ? '' : `/${name}`}`, value }));
  records.push({ ...at, name: `${prefix}/accuracy`, value: progress.accuracy });
  progress.keepRatios.forEach((value, selector) => records.push({ ...at, name: `${prefix}/keep-ratio`, value, extra: { selector, target: progress.targets[selector] ?? null } }));
  if (progress.predictedMs !== null) records.push({ ...at, name: `${prefix}/predicted-ms`, value: progress.predictedMs, extra: { budgetMs: progress.budgetMs } });
  if (progress.validation !== undefined) records.push({ ...at, name: `${progress.stage}/val/accuracy`, value: progress.validation.accuracy });
  return records;
}

function recordKey(record: MetricRecordJson): string {
  return `${record.nodeId}|${record.name}|${record.step ?? ''}|${String(record.extra?.['selector'] ?? '')}`;
}

/** Records from the file and from live events, each once. */
export function mergeRecords(base: readonly MetricRecordJson[], added: readonly MetricRecordJson[]): MetricRecordJson[] {
  const seen = new Set(base.map(recordKey));
  return [...base, ...added.filter((record) => !seen.has(recordKey(record)))];
}

interface LineSpec {
  key: string;
  label: string;
  tone: number;
  dashed?: boolean;
  dots?: boolean;
}

function line(spec: LineSpec, points: SeriesPoint[]): Series {
  return { key: spec.key, label: spec.label, tone: spec.tone, dashed: spec.dashed === true, dots: spec.dots === true, points };
}

/** `budgetMs`: the budget known otherwise (progress events, the report) when no record carries it. */
export function trainingCharts(records: readonly MetricRecordJson[], budgetMs: number | null = null): TrainingCharts {
  const denseSteps = Math.max(0, ...records.filter((r) => r.name.startsWith('dense/train/') && r.step !== undefined).map((r) => r.step as number));
  const x = (record: MetricRecordJson): number => (record.step ?? 0) + (record.name.startsWith('spvit/') ? denseSteps : 0);
  const points = (filter: (record: MetricRecordJson) => boolean): SeriesPoint[] =>
    records.filter(filter).map((record) => ({ x: x(record), y: record.value })).sort((a, b) => a.x - b.x);
  const named = (suffix: string) => (record: MetricRecordJson) => /^(dense|spvit)\//.test(record.name) && record.name.endsWith(suffix) && record.name.split('/').length === suffix.split('/').length;

  const selectors = [...new Set(records.filter(named('/train/keep-ratio')).map((r) => Number(r.extra?.['selector'] ?? 0)))].sort((a, b) => a - b);
  const keep = selectors.flatMap((selector, i) => {
    const mine = (record: MetricRecordJson) => named('/train/keep-ratio')(record) && Number(record.extra?.['selector'] ?? 0) === selector;
    const achieved = line({ key: `keep-${selector}`, label: `S${selector + 1} achieved`, tone: (i % 6) + 1 }, points(mine));
    const targets = records.filter(mine).map((record) => ({ x: x(record), y: Number(record.extra?.['target']) })).filter((p) => Number.isFinite(p.y));
    return targets.length === 0 ? [achieved] : [achieved, line({ key: `target-${selector}`, label: `S${selector + 1} target`, tone: (i % 6) + 1, dashed: true }, targets.sort((a, b) => a.x - b.x))];
  });
  const budgets = records.filter(named('/train/predicted-ms')).map((r) => r.extra?.['budgetMs']).filter((b): b is number => typeof b === 'number');
  const hasDense = records.some(named('/train/loss')) && records.some((r) => r.name.startsWith('dense/'));
  const hasSpvit = records.some((r) => r.name.startsWith('spvit/'));
  return {
    loss: [line({ key: 'loss', label: 'total loss', tone: 1 }, points(named('/train/loss'))), line({ key: 'ce', label: 'cross-entropy', tone: 2 }, points(named('/train/loss/ce')))].filter((s) => s.points.length > 0),
    accuracy: [
      line({ key: 'train-accuracy', label: 'training batches', tone: 1 }, points(named('/train/accuracy'))),
      line({ key: 'val-accuracy', label: 'validation', tone: 3, dots: true }, points(named('/val/accuracy'))),
    ].filter((s) => s.points.length > 0),
    keep,
    latency: [line({ key: 'predicted', label: 'predicted latency', tone: 4 }, points(named('/train/predicted-ms')))].filter((s) => s.points.length > 0),
    budgetMs: budgets.length === 0 ? budgetMs : (budgets[budgets.length - 1] ?? budgetMs),
    stageBoundary: hasDense && hasSpvit ? denseSteps : null,
  };
}
