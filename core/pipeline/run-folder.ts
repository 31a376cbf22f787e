/**
 * The run folder (architecture.md "Data that moves"): pipeline.json, metrics.jsonl (appended),
 * report.json (rewritten atomically after every node, so a crash leaves the last state), and
 * nodes/<id>/ for each node's files.
 */
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { StudioError } from '../shared/errors';

import type { SerializedError } from '../shared/errors';
import type { Jsonable } from '../shared/jsonable';
import type { MetricInput, MetricRecord, MetricsSink } from './executors';

export const RUN_FILES = { pipeline: 'pipeline.json', metrics: 'metrics.jsonl', report: 'report.json', nodes: 'nodes' } as const;

export type NodeStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface NodeRecord {
  kind: string;
  status: NodeStatus;
  /** Hash of the node's kind, config and upstream fingerprints: equal means same work. */
  fingerprint: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  /** Output port -> value (JSON). */
  outputs: { [port: string]: Jsonable } | null;
  error: SerializedError | null;
  /** True when taken from an earlier attempt instead of run again. */
  reused: boolean;
}

export interface RunReport {
  format: 'spvit-run';
  version: 1;
  pipeline: string;
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  /** How many times this folder was run (1 + resumes). */
  attempts: number;
  order: string[];
  nodes: { [id: string]: NodeRecord };
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, stable((value as Record<string, unknown>)[key])]));
  }
  return value;
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(stable(value))).digest('hex').slice(0, 32);
}

export async function readRunReport(runDir: string): Promise<RunReport | null> {
  let text: string;
  try {
    text = await readFile(join(runDir, RUN_FILES.report), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const report = JSON.parse(text) as RunReport;
    if (report.format !== 'spvit-run' || typeof report.nodes !== 'object') throw new Error('not a run report');
    return report;
  } catch (error) {
    throw new StudioError('data/corrupt', `${join(runDir, RUN_FILES.report)}: not a run report (${(error as Error).message})`, {
      cause: error,
      details: { file: join(runDir, RUN_FILES.report) },
      hint: 'Start the run in a new folder, or delete report.json to run everything again.',
    });
  }
}

export async function writeRunReport(runDir: string, report: RunReport): Promise<void> {
  const path = join(runDir, RUN_FILES.report);
  await writeFile(`${path}.tmp`, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
  await rename(`${path}.tmp`, path);
}

export async function writePipelineCopy(runDir: string, document: unknown): Promise<void> {
  await writeFile(join(runDir, RUN_FILES.pipeline), `${JSON.stringify(document, null, 2)}\n`, 'utf8');
}

export async function nodeFolder(runDir: string, nodeId: string): Promise<string> {
  const dir = join(runDir, RUN_FILES.nodes, nodeId);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Appends metrics to metrics.jsonl (synchronously, so lines survive a crash in order) and tells listeners. */
export function createMetricsSink(runDir: string, nodeId: string, onRecord?: (record: MetricRecord) => void): MetricsSink {
  const path = join(runDir, RUN_FILES.metrics);
  return {
    write(metric: MetricInput) {
      if (!Number.isFinite(metric.value)) {
        throw new StudioError('training/diverged', `Metric '${metric.name}' of node '${nodeId}' is ${metric.value}`, {
          details: { nodeId, name: metric.name, value: String(metric.value) },
          hint: 'Lower the learning rate or check the data; a non-finite metric means the numbers blew up.',
        });
      }
      const record: MetricRecord = { at: new Date().toISOString(), nodeId, ...metric };
      appendFileSync(path, `${JSON.stringify(record)}\n`, 'utf8');
      onRecord?.(record);
    },
  };
}

/** Reads metrics.jsonl back (for reports and the UI's charts after a restart). */
export async function readMetrics(runDir: string): Promise<MetricRecord[]> {
  let text: string;
  try {
    text = await readFile(join(runDir, RUN_FILES.metrics), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as MetricRecord;
      } catch (error) {
        throw new StudioError('data/corrupt', `${join(runDir, RUN_FILES.metrics)}: line ${i + 1} is not JSON`, { cause: error, details: { line: i + 1 }, hint: 'A crash can cut the last line; delete it and read again.' });
      }
    });
}
