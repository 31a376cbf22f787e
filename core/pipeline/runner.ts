/**
 * Runs a validated pipeline: nodes in plan order through the executor registry, every state change
 * recorded in the run folder. Resume skips nodes recorded as done with the same fingerprint whose
 * inputs were themselves reused; cancellation (AbortSignal) stops at the next safe point.
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

import { BugError, StudioError, isStudioError, throwIfAborted, toSerializedError } from '../shared/errors';
import { NEVER_ABORTED } from '../shared/abort';

import { NODE_PORTS } from './ports';
import { PORT_VALUE_SCHEMAS } from './port-values';
import { planPipeline } from './plan';
import { createMetricsSink, fingerprint, nodeFolder, readRunReport, writePipelineCopy, writeRunReport } from './run-folder';

import type { AbortSignalLike } from '../shared/abort';
import type { Jsonable } from '../shared/jsonable';
import type { ExecutorContext, ExecutorRegistry, MetricRecord } from './executors';
import type { PlanStep } from './plan';
import type { NodeRecord, RunReport } from './run-folder';
import type { Pipeline } from './schema';

export type RunEvent =
  | { kind: 'node-started'; nodeId: string; nodeKind: string }
  | { kind: 'node-finished'; nodeId: string; status: 'done' | 'reused' | 'failed' | 'cancelled'; durationMs: number }
  | { kind: 'progress'; nodeId: string; fraction: number | null; message: string }
  | { kind: 'metric'; record: MetricRecord };

export interface RunPipelineOptions {
  pipeline: Pipeline;
  /** The document as written (saved as pipeline.json); defaults to the validated pipeline. */
  document?: unknown;
  runDir: string;
  registry: ExecutorRegistry;
  /** Folder that relative paths in the pipeline are relative to (the pipeline file's). Default: cwd. */
  baseDir?: string;
  signal?: AbortSignalLike;
  /** Continue a run in `runDir`, reusing nodes that are done; without it the folder must be new. */
  resume?: boolean;
  onEvent?: (event: RunEvent) => void;
}

function now(): string {
  return new Date().toISOString();
}

function fingerprints(steps: readonly PlanStep[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const step of steps) {
    const inputs = Object.entries(step.inputs)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([port, ref]) => [port, ref.port, out.get(ref.node) ?? ref.node]);
    out.set(step.node.id, fingerprint({ kind: step.node.kind, config: step.node.config, inputs }));
  }
  return out;
}

function checkOutputs(step: PlanStep, outputs: Record<string, Jsonable>): void {
  for (const [port, spec] of Object.entries(NODE_PORTS[step.node.kind].outputs)) {
    const parsed = PORT_VALUE_SCHEMAS[spec.type].safeParse(outputs[port]);
    if (!parsed.success) {
      throw new BugError(`The ${step.node.kind} executor returned a bad '${port}' output for node '${step.node.id}': ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
  }
}

async function startReport(options: RunPipelineOptions, steps: readonly PlanStep[], prints: Map<string, string>): Promise<{ report: RunReport; previous: RunReport | null }> {
  const previous = await readRunReport(options.runDir);
  if (previous !== null && options.resume !== true) {
    throw new StudioError('input/invalid', `${options.runDir} already holds a run (report.json)`, {
      details: { runDir: options.runDir, status: previous.status },
      hint: 'Resume it (--resume), or choose a new run folder.',
    });
  }
  const nodes: Record<string, NodeRecord> = {};
  for (const step of steps) {
    nodes[step.node.id] = { kind: step.node.kind, status: 'pending', fingerprint: prints.get(step.node.id) ?? '', startedAt: null, endedAt: null, durationMs: null, outputs: null, error: null, reused: false };
  }
  const report: RunReport = {
    format: 'spvit-run',
    version: 1,
    pipeline: options.pipeline.name,
    status: 'running',
    startedAt: now(),
    endedAt: null,
    attempts: (previous?.attempts ?? 0) + 1,
    order: steps.map((s) => s.node.id),
    nodes,
  };
  return { report, previous };
}

export async function runPipeline(options: RunPipelineOptions): Promise<RunReport> {
  const { runDir, registry, pipeline } = options;
  const signal = options.signal ?? NEVER_ABORTED;
  const steps = planPipeline(pipeline);
  const missing = [...new Set(steps.map((s) => s.node.kind).filter((kind) => registry.get(kind) === undefined))];
  if (missing.length > 0) {
    throw new StudioError('not-implemented', `No executor for ${missing.map((k) => `'${k}'`).join(', ')} nodes in this host`, {
      details: { kinds: missing, available: registry.kinds() },
      hint: 'This host cannot run these node kinds yet; remove them from the pipeline or use a studio build that has them.',
    });
  }
  await mkdir(runDir, { recursive: true });
  const prints = fingerprints(steps);
  const { report, previous } = await startReport(options, steps, prints);
  await writePipelineCopy(runDir, options.document ?? pipeline);
  await writeRunReport(runDir, report);
  const baseDir = options.baseDir ?? process.cwd();
  const fresh = new Set<string>();

  for (const step of steps) {
    const id = step.node.id;
    const record = report.nodes[id] as NodeRecord;
    const before = previous?.nodes[id];
    const inputsReused = step.dependsOn.every((dep) => !fresh.has(dep));
    if (before?.status === 'done' && before.fingerprint === record.fingerprint && inputsReused && before.outputs !== null) {
      Object.assign(record, { ...before, reused: true });
      options.onEvent?.({ kind: 'node-finished', nodeId: id, status: 'reused', durationMs: 0 });
      continue;
    }
    fresh.add(id);
    const started = Date.now();
    try {
      throwIfAborted(signal);
      const inputs: Record<string, Jsonable> = {};
      for (const [port, ref] of Object.entries(step.inputs)) {
        const value = report.nodes[ref.node]?.outputs?.[ref.port];
        if (value === undefined) throw new BugError(`Node '${id}' input '${port}': '${ref.node}.${ref.port}' produced nothing`);
        inputs[port] = value;
      }
      Object.assign(record, { status: 'running', startedAt: now(), endedAt: null, durationMs: null, error: null, outputs: null, reused: false });
      await writeRunReport(runDir, report);
      options.onEvent?.({ kind: 'node-started', nodeId: id, nodeKind: step.node.kind });
      const context: ExecutorContext = {
        node: step.node,
        pipeline,
        inputs,
        runDir,
        nodeDir: await nodeFolder(runDir, id),
        resolvePath: (path) => (isAbsolute(path) ? path : resolve(baseDir, path)),
        signal,
        metrics: createMetricsSink(runDir, id, (metric) => options.onEvent?.({ kind: 'metric', record: metric })),
        progress: (fraction, message) => options.onEvent?.({ kind: 'progress', nodeId: id, fraction, message }),
      };
      const executor = registry.get(step.node.kind) as { execute(context: ExecutorContext): Promise<Record<string, Jsonable>> };
      const outputs = await executor.execute(context);
      checkOutputs(step, outputs);
      Object.assign(record, { status: 'done', outputs, endedAt: now(), durationMs: Date.now() - started });
      await writeRunReport(runDir, report);
      options.onEvent?.({ kind: 'node-finished', nodeId: id, status: 'done', durationMs: Date.now() - started });
    } catch (error) {
      const cancelled = signal.aborted || isStudioError(error, 'cancelled');
      Object.assign(record, { status: cancelled ? 'cancelled' : 'failed', endedAt: now(), durationMs: Date.now() - started, error: toSerializedError(error) });
      Object.assign(report, { status: cancelled ? 'cancelled' : 'failed', endedAt: now() });
      await writeRunReport(runDir, report);
      options.onEvent?.({ kind: 'node-finished', nodeId: id, status: cancelled ? 'cancelled' : 'failed', durationMs: Date.now() - started });
      if (cancelled) {
        throw new StudioError('cancelled', `The run was cancelled during node '${id}'`, { cause: error, details: { runDir, nodeId: id }, hint: 'Resume it later with the same run folder.' });
      }
      const code = isStudioError(error) ? error.code : 'internal/bug';
      const hint = isStudioError(error) ? error.hint : undefined;
      throw new StudioError(code, `Node '${id}' (${step.node.kind}) failed: ${(error as Error).message}`, {
        cause: error,
        details: { runDir, nodeId: id },
        ...(hint === undefined ? {} : { hint }),
      });
    }
  }
  Object.assign(report, { status: 'succeeded', endedAt: now() });
  await writeRunReport(runDir, report);
  return report;
}
