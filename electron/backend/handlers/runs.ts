/** runs.*: run folders under the data folder with their headline figures, and their deploy reports. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DeployReportJsonSchema } from '../../../core/api/contracts/runs';
import { summariseRun } from '../../../core/pipeline/executors/evaluate-summary';
import { readMetrics, readRunReport } from '../../../core/pipeline/run-folder';
import { StudioError } from '../../../core/shared/errors';

import { runsFolder } from './luts';

import type { RunSummary } from '../../../core/api/contracts/runs';
import type { RunReport } from '../../../core/pipeline/run-folder';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

const DEPLOY_REPORT = 'deploy-report.json';

function trainedModel(report: RunReport): Record<string, unknown> | null {
  const node = Object.values(report.nodes).find((entry) => entry.kind === 'train' && entry.status === 'done');
  return (node?.outputs?.['model'] ?? null) as Record<string, unknown> | null;
}

async function readDeployReport(runDir: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(runDir, DEPLOY_REPORT), 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StudioError('data/corrupt', `${join(runDir, DEPLOY_REPORT)} cannot be read: ${(error as Error).message}`, { cause: error, details: { runDir }, hint: 'Deploy the run again to write a new report.' });
  }
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
  const deployReport = (await readDeployReport(runDir).catch(() => null)) as { status?: string } | null;
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
    deployed: deployReport?.status === 'deployed',
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
    'runs.deployReport': async ({ runDir }) => {
      const path = join(runDir, DEPLOY_REPORT);
      const json = await readDeployReport(runDir);
      if (json === null) return { path, report: null };
      const { raw: _raw, ...rest } = json as Record<string, unknown>;
      const parsed = DeployReportJsonSchema.safeParse(rest);
      if (!parsed.success) {
        throw new StudioError('data/corrupt', `${path} is not a deployment report: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { details: { path }, hint: 'Deploy the run again to write a new report.' });
      }
      return { path, report: parsed.data };
    },
  };
}
