/** runs.*: run folders under the data folder with their headline figures, and their deploy reports. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { BoardDeployReportJsonSchema, DeployReportJsonSchema } from '../../../core/api/contracts/runs';
import { summariseRun } from '../../../core/pipeline/executors/evaluate-summary';
import { readMetrics, readRunReport } from '../../../core/pipeline/run-folder';
import { StudioError } from '../../../core/shared/errors';

import { runsFolder } from './luts';

import type { RunSummary } from '../../../core/api/contracts/runs';
import type { RunReport } from '../../../core/pipeline/run-folder';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

const DEPLOY_REPORT = 'deploy-report.json';
const BOARD_DEPLOY_REPORT = 'deploy-report-zcu102.json';

function trainedModel(report: RunReport): Record<string, unknown> | null {
  const node = Object.values(report.nodes).find((entry) => entry.kind === 'train' && entry.status === 'done');
  return (node?.outputs?.['model'] ?? null) as Record<string, unknown> | null;
}

async function readDeployReport(runDir: string, file = DEPLOY_REPORT): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(runDir, file), 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StudioError('data/corrupt', `${join(runDir, file)} cannot be read: ${(error as Error).message}`, { cause: error, details: { runDir }, hint: 'Deploy the run again to write a new report.' });
  }
}

/** A report checked against its schema, the raw outputs left out; null when there is none. */
async function parsedReport<T>(runDir: string, file: string, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }): Promise<T | null> {
  const json = await readDeployReport(runDir, file);
  if (json === null) return null;
  const { raw: _raw, ...rest } = json as Record<string, unknown>;
  const parsed = schema.safeParse(rest);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`).join('; ');
    throw new StudioError('data/corrupt', `${join(runDir, file)} is not a deployment report: ${problems}`, { details: { path: join(runDir, file) }, hint: 'Deploy the run again to write a new report.' });
  }
  return parsed.data;
}

async function summary(dataDir: string, runId: string): Promise<RunSummary | null> {
  const runDir = join(runsFolder(dataDir), runId);
  const report = await readRunReport(runDir).catch((error: unknown) => {
    // A damaged run folder is left out of the list rather than hiding the others.
    console.warn(`[runs] skipping ${runDir}: ${(error as Error).message}`);
    return null;
  });
  if (report === null) return null;
  const headline = summariseRun(report);
  const model = trainedModel(report);
  const reports = await Promise.all([DEPLOY_REPORT, BOARD_DEPLOY_REPORT].map((file) => readDeployReport(runDir, file).catch(() => null)));
  return {
    runId,
    runDir,
    pipeline: report.pipeline,
    status: report.status,
    startedAt: report.startedAt,
    endedAt: report.endedAt,
    hasModel: model !== null,
    hasSelectors: model !== null && model['spvit'] !== null && model['spvit'] !== undefined,
    accuracy: headline.accuracy,
    latencyMs: { budget: headline.latencyMs.budget, predicted: headline.latencyMs.predicted },
    deployed: reports.some((report) => (report as { status?: string } | null)?.status === 'deployed'),
  };
}

function runDirOf(dataDir: string, runId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new StudioError('input/not-found', `No run '${runId}'.`, { details: { runId }, hint: 'Pick a run from runs.list.' });
  return join(runsFolder(dataDir), runId);
}

export function runsHandlers(deps: BackendDeps): BackendHandlers<'runs.list' | 'runs.metrics' | 'runs.deployReport'> {
  return {
    'runs.list': async () => {
      const ids = await readdir(runsFolder(deps.dataDir)).catch((error: NodeJS.ErrnoException) => {
        // No run yet.
        if (error.code === 'ENOENT') return [] as string[];
        throw error;
      });
      const runs = (await Promise.all(ids.map((runId) => summary(deps.dataDir, runId)))).filter((run): run is RunSummary => run !== null);
      runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
      return { runs };
    },
    'runs.metrics': async ({ runId, limit }) => {
      const records = await readMetrics(runDirOf(deps.dataDir, runId));
      const kept = records.slice(-limit).map(({ at: _at, ...record }) => record);
      return { records: kept, total: records.length };
    },
    'runs.deployReport': async ({ runDir }) => ({
      path: join(runDir, DEPLOY_REPORT),
      report: await parsedReport(runDir, DEPLOY_REPORT, DeployReportJsonSchema),
      board: { path: join(runDir, BOARD_DEPLOY_REPORT), report: await parsedReport(runDir, BOARD_DEPLOY_REPORT, BoardDeployReportJsonSchema) },
    }),
  };
}
