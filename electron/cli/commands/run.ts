/**
 * `spvit run PIPELINE.json [--out DIR] [--workers N]`: runs a pipeline headless with progress on
 * stderr, writes the run folder (pipeline.json, metrics.jsonl, lut.json, model.safetensors,
 * report.json, nodes/<id>/ with checkpoints) and resumes when DIR holds an unfinished run.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { createCoreExecutorRegistry } from '../../../core/pipeline/core-executors';
import { writeRunSummary } from '../../../core/pipeline/executors/evaluate-summary';
import { createExportExecutor } from '../../../core/pipeline/executors/export';
import { registerTrainingExecutors, runnablePart } from '../../../core/pipeline/executors/train-executors';
import { loadPipelineFile } from '../../../core/pipeline/load';
import { RUN_FILES, readRunReport } from '../../../core/pipeline/run-folder';
import { runPipeline } from '../../../core/pipeline/runner';
import { StudioError } from '../../../core/shared/errors';
import { describeTensorBackend, initTensorBackend } from '../../../core/tensor/backend';
import { integerFlag, stringFlag } from '../arguments';

import type { RunSummary } from '../../../core/pipeline/executors/evaluate-summary';
import type { RunReport } from '../../../core/pipeline/run-folder';
import type { RunEvent } from '../../../core/pipeline/runner';
import type { CliCommand, CliIo } from '../command';

function defaultOutDir(path: string): string {
  const name = basename(path).replace(/\.spvit\.json$|\.json$/, '');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return resolve('runs', `${name}-${stamp}`);
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`;
}

function formatSummary(summary: RunSummary): string {
  const ratios = (values: number[]): string => (values.length === 0 ? 'n/a' : values.map((v) => v.toFixed(3)).join(' / '));
  const ms = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(3)} ms`);
  const gflops = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(4)}`);
  return [
    `accuracy   dense ${percent(summary.accuracy.dense)}  pruned ${percent(summary.accuracy.pruned)}`,
    `GFLOPs     dense ${gflops(summary.gflops.dense)}  pruned ${gflops(summary.gflops.pruned)}`,
    `keep ratio target ${ratios(summary.keepRatio.target)}  achieved ${ratios(summary.keepRatio.achieved)}`,
    `latency    budget ${ms(summary.latencyMs.budget)}  predicted ${ms(summary.latencyMs.predicted)}  measured ${ms(summary.latencyMs.measured)}  (LUT: ${summary.lut.source ?? 'none'})`,
    ...summary.evaluations.slice(1).map((e) => `also       ${e.nodeId} (${e.mode ?? 'dense'}): pruned ${percent(e.accuracyPruned)}  keep ${ratios(e.keepRatioAchieved)}`),
    '',
  ].join('\n');
}

/** One line per export node that ran: format, file and size. */
function formatArtifacts(report: RunReport): string {
  return Object.entries(report.nodes)
    .map(([id, node]) => ({ id, artifact: node.outputs?.['artifact'] as { path?: unknown; format?: unknown; bytes?: unknown } | undefined }))
    .filter((entry) => entry.artifact !== undefined)
    .map(({ id, artifact }) => `artifact   ${id} (${String(artifact?.format)}): ${String(artifact?.path)}, ${(Number(artifact?.bytes) / 1e6).toFixed(2)} MB\n`)
    .join('');
}

function printer(io: CliIo): (event: RunEvent) => void {
  const started = Date.now();
  const clock = (): string => {
    const seconds = Math.round((Date.now() - started) / 1000);
    return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  };
  return (event) => {
    if (event.kind === 'node-started') io.stderr.write(`[${clock()}] ${event.nodeId} (${event.nodeKind}) started\n`);
    else if (event.kind === 'progress') io.stderr.write(`[${clock()}] ${event.nodeId}: ${event.message}\n`);
    else if (event.kind === 'node-finished') io.stderr.write(`[${clock()}] ${event.nodeId} ${event.status} (${(event.durationMs / 1000).toFixed(1)} s)\n`);
  };
}

/** True when the run folder's pipeline.json is the same document as the one given now. */
async function sameDocument(runDir: string, document: unknown): Promise<boolean> {
  try {
    return isDeepStrictEqual(JSON.parse(await readFile(join(runDir, RUN_FILES.pipeline), 'utf8')), document);
  } catch {
    return false;
  }
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'runs a pipeline headless (train, evaluate, ...), resuming an unfinished run folder',
  usage: 'spvit run PIPELINE.json [--out DIR] [--workers N] [--backend B] [--log-every STEPS]',
  options: { out: { type: 'string' }, workers: { type: 'string' }, backend: { type: 'string' }, 'log-every': { type: 'string' } },
  allowPositionals: true,
  async run(args, io) {
    const [file, ...extra] = args.positionals;
    if (file === undefined || extra.length > 0) {
      throw new StudioError('input/invalid', 'Give exactly one pipeline file.', { hint: 'Usage: spvit run PIPELINE.json [--out DIR] [--workers N]' });
    }
    const workers = integerFlag(args, 'workers', { min: 0, max: 64 });
    const logEverySteps = integerFlag(args, 'log-every', { min: 1, max: 100_000 });
    const runDir = resolve(stringFlag(args, 'out') ?? defaultOutDir(file));
    const loaded = await loadPipelineFile(file);
    const previous = await readRunReport(runDir);
    const unchanged = previous !== null && (await sameDocument(runDir, loaded.document));
    if (previous?.status === 'succeeded' && unchanged) {
      io.stdout.write(`${runDir} already holds a finished run of '${previous.pipeline}'.\n`);
      io.stdout.write(formatSummary(await writeRunSummary(runDir)));
      return 0;
    }
    await initTensorBackend({ backend: stringFlag(args, 'backend') });
    const backend = await describeTensorBackend();
    const registry = registerTrainingExecutors(createCoreExecutorRegistry(), {
      ...(workers === undefined ? {} : { workers }),
      ...(logEverySteps === undefined ? {} : { logEverySteps }),
      backend: backend.name,
    });
    registry.register(createExportExecutor());
    const { pipeline, skipped } = runnablePart(loaded.pipeline, registry);
    for (const node of skipped) io.stderr.write(`skipping ${node}: this build has no executor for it (or for a node it depends on)\n`);
    const resuming = previous === null ? '' : unchanged ? ' (resuming)' : ' (pipeline changed: nodes whose config or inputs changed run again)';
    io.stderr.write(`backend: ${backend.name}${backend.simd ? ' (SIMD)' : ''}; run folder: ${runDir}${resuming}\n`);
    const report = await runPipeline({
      pipeline,
      document: loaded.document,
      runDir,
      registry,
      baseDir: loaded.baseDir,
      signal: io.signal,
      resume: previous !== null,
      onEvent: printer(io),
    });
    const summary = await writeRunSummary(runDir);
    io.stdout.write(`run ${report.status}: ${runDir}\n`);
    io.stdout.write(formatSummary(summary));
    io.stdout.write(formatArtifacts(report));
    return 0;
  },
};
