/**
 * The headline figures of a finished run, added to its report.json next to the runner's node
 * records: accuracy dense / pruned (fractions), GFLOPs, target and achieved keep ratio per selector,
 * latency budget / LUT-predicted / measured (null unless a deploy node measured it), LUT source.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { RUN_FILES } from '../run-folder';
import { writeAtomically } from '../../train/atomic-file';

import type { RunReport } from '../run-folder';

export interface RunSummary {
  accuracy: { dense: number | null; pruned: number | null };
  gflops: { dense: number | null; pruned: number | null };
  keepRatio: { target: number[]; achieved: number[] };
  latencyMs: { budget: number | null; predicted: number | null; measured: number | null };
  lut: { source: string | null };
  /** Every evaluate node of the run (e.g. one per inference mode); the figures above are the first's. */
  evaluations: Array<{ nodeId: string; mode: string | null; accuracyPruned: number | null; keepRatioAchieved: number[] }>;
}

type Outputs = Record<string, unknown>;

function nodeOutputs(report: RunReport, kind: string, port: string): Outputs[] {
  return report.order
    .map((id) => report.nodes[id])
    .filter((node) => node !== undefined && node.kind === kind && node.status === 'done')
    .map((node) => (node?.outputs?.[port] ?? null) as Outputs | null)
    .filter((value): value is Outputs => value !== null);
}

function numberOr(value: unknown, fallback: number | null): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

function evaluationList(report: RunReport): RunSummary['evaluations'] {
  return report.order.flatMap((nodeId) => {
    const node = report.nodes[nodeId];
    const value = node?.kind === 'evaluate' && node.status === 'done' ? ((node.outputs?.['evaluation'] ?? null) as Outputs | null) : null;
    if (value === null) return [];
    const mode = value['inferenceMode'];
    return [{ nodeId, mode: typeof mode === 'string' ? mode : null, accuracyPruned: numberOr(value['accuracyPruned'], null), keepRatioAchieved: numbers(value['keepRatioAchieved']) }];
  });
}

export function summariseRun(report: RunReport): RunSummary {
  const evaluations = nodeOutputs(report, 'evaluate', 'evaluation');
  const evaluation = evaluations.find((e) => e['accuracyPruned'] !== null && e['accuracyPruned'] !== undefined) ?? evaluations[0] ?? {};
  const model = nodeOutputs(report, 'train', 'model')[0] ?? {};
  const deployment = nodeOutputs(report, 'deploy', 'deployment')[0] ?? {};
  const latency = (evaluation['latencyMs'] ?? {}) as Outputs;
  const lut = (model['lut'] ?? null) as Outputs | null;
  return {
    accuracy: { dense: numberOr(evaluation['accuracyDense'], null), pruned: numberOr(evaluation['accuracyPruned'], null) },
    gflops: { dense: numberOr(evaluation['gflopsDense'], null), pruned: numberOr(evaluation['gflopsPruned'], null) },
    keepRatio: { target: numbers(evaluation['keepRatioTarget'] ?? model['targets']), achieved: numbers(evaluation['keepRatioAchieved']) },
    latencyMs: {
      budget: numberOr(latency['budget'], numberOr(model['budgetMs'], null)),
      predicted: numberOr(latency['predicted'], null),
      measured: numberOr(deployment['latencyMs'], numberOr(deployment['meanMs'], null)),
    },
    lut: { source: typeof evaluation['lutSource'] === 'string' ? evaluation['lutSource'] : typeof lut?.['source'] === 'string' ? lut['source'] : null },
    evaluations: evaluationList(report),
  };
}

/** Adds the summary to runDir/report.json (atomically); returns it. */
export async function writeRunSummary(runDir: string): Promise<RunSummary> {
  const path = join(runDir, RUN_FILES.report);
  const report = JSON.parse(await readFile(path, 'utf8')) as RunReport;
  const summary = summariseRun(report);
  await writeAtomically(path, (temporary) => writeFile(temporary, `${JSON.stringify({ ...report, ...summary }, null, 2)}\n`, 'utf8'));
  return summary;
}
