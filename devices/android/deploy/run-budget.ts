/**
 * The latency budget a run was trained to, from its report.json: the train node's `model` output
 * carries budgetMs (and the LUT-predicted latency). Absent for runs without a budget.
 */
import { readRunReport } from '../../../core/pipeline/run-folder';

export interface RunBudget {
  budgetMs: number | null;
  predictedMs: number | null;
  /** Where the numbers came from (node id), or why there are none. */
  source: string;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export async function readRunBudget(runDir: string): Promise<RunBudget> {
  const report = await readRunReport(runDir);
  if (report === null) return { budgetMs: null, predictedMs: null, source: 'no report.json in the run folder' };
  for (const id of [...report.order].reverse()) {
    const model = report.nodes[id]?.outputs?.['model'];
    if (model === null || model === undefined || typeof model !== 'object' || Array.isArray(model)) continue;
    const budgetMs = numberOrNull((model as Record<string, unknown>)['budgetMs']);
    if (budgetMs !== null) return { budgetMs, predictedMs: numberOrNull((model as Record<string, unknown>)['predictedMs']), source: `report.json node ${id}` };
  }
  return { budgetMs: null, predictedMs: null, source: 'the run has no latency budget' };
}
