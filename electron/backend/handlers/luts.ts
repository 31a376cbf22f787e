/**
 * luts.*: the latency tables the studio made, for the Latency view: listed from the data folder
 * (profiles) and run folders, read with core/latency's monotone fit, and solved for a budget.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { solveBudget } from '../../../core/latency/budget-solver';
import { buildLatencyCurve } from '../../../core/latency/curve';
import { flatSelectors, layoutFromModel } from '../../../core/latency/layout';
import { createLatencyModel, predictLatency, unprunedLatencyMs } from '../../../core/latency/latency-model';
import { readLut } from '../../../core/latency/lut-io';
import { StudioError } from '../../../core/shared/errors';

import type { BudgetSolution, FittedTable, LutSummary } from '../../../core/api/contracts/luts';
import type { SelectorPosition } from '../../../core/latency/layout';
import type { Lut } from '../../../core/latency/lut-schema';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

/** Where runs live (pipeline runs from the editor and training.start runs share it). */
export function runsFolder(dataDir: string): string {
  return join(dataDir, 'training');
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: NodeJS.ErrnoException) => {
    // A data folder without profiles or runs yet.
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

/** Candidate LUT files with the label of where they came from. */
async function lutFiles(dataDir: string): Promise<{ path: string; origin: string }[]> {
  const profiles = (await entries(join(dataDir, 'luts'))).filter((name) => name.endsWith('.json')).map((name) => ({ path: join(dataDir, 'luts', name), origin: 'profile' }));
  const runs = await entries(runsFolder(dataDir));
  const inRuns = await Promise.all(
    runs.map(async (runId) => (await entries(join(runsFolder(dataDir), runId))).filter((name) => /^lut.*\.json$/.test(name)).map((name) => ({ path: join(runsFolder(dataDir), runId, name), origin: runId }))),
  );
  return [...profiles, ...inRuns.flat()];
}

function profileStatus(lut: Lut): 'complete' | 'partial' {
  const profile = lut.device.extra?.['profile'] as { status?: string } | undefined;
  return profile?.status === 'partial' ? 'partial' : 'complete';
}

function denseMsOf(lut: Lut): number | null {
  try {
    return unprunedLatencyMs(lut, layoutFromModel(lut.model, []));
  } catch (error) {
    // A partial table may lack a block type the dense model needs: no prediction yet.
    if (error instanceof StudioError) return null;
    throw error;
  }
}

function quarters(depth: number): number[] {
  return [...new Set([1, 2, 3].map((q) => Math.round((q * depth) / 4)).filter((block) => block > 0 && block < depth))];
}

/** SPViT's default selector places (core/spvit/defaults), from the LUT's model shape. */
export function defaultSelectors(lut: Lut): SelectorPosition[] {
  const stages = lut.model.stages;
  if (lut.model.arch === 'vit') return flatSelectors(quarters(stages[0]?.depth ?? lut.model.depth));
  if (lut.model.arch === 'pit') return stages.flatMap((stage, i) => (stage.depth === 0 ? [] : [{ stage: i, block: Math.min([1, 3, 2][i] ?? 1, stage.depth - 1) }]));
  return stages.flatMap((stage, i) => (i === 0 || stage.depth === 0 ? [] : [{ stage: i, block: 0 }]));
}

export function solveForBudget(lut: Lut, options: { budgetMs: number; selectorBlocks?: number[] | undefined; minKeepRatio: number }): BudgetSolution {
  const selectors = options.selectorBlocks === undefined ? defaultSelectors(lut) : flatSelectors(options.selectorBlocks);
  const model = createLatencyModel(lut, layoutFromModel(lut.model, selectors));
  const solution = solveBudget(model, { budgetMs: options.budgetMs, minKeepRatio: options.minKeepRatio });
  return {
    budgetMs: solution.budgetMs,
    predictedMs: solution.predictedMs,
    denseMs: solution.denseMs,
    minimumMs: solution.minimumMs,
    feasible: solution.predictedMs <= solution.budgetMs + 1e-9,
    ops: solution.ops.map((op) => ({ ...op })),
    // The dense model itself: no selectors at all (the solver's denseMs keeps selectors that keep everything).
    denseOps: predictLatency(createLatencyModel(lut, layoutFromModel(lut.model, [])), []).ops.map((op) => ({ ...op })),
    selectors: solution.selectors.map((choice) => ({
      ...choice,
      blockTokens: solution.ops.find((op) => op.blockType === 'block-after-selector' && op.stage === choice.stage && op.block === choice.block)?.tokens ?? choice.keptTokens,
    })),
  };
}

function fitted(lut: Lut): FittedTable[] {
  return lut.tables.map((table) => {
    const curve = buildLatencyCurve(table.points);
    return { blockType: table.blockType, stage: table.stage, tokens: [...curve.tokens], valuesMs: [...curve.valuesMs], steps: curve.steps.map((step) => ({ ...step })) };
  });
}

export function lutsHandlers(deps: BackendDeps): BackendHandlers<'luts.list' | 'luts.read' | 'luts.solve'> {
  return {
    'luts.list': async () => {
      const found = await Promise.all(
        (await lutFiles(deps.dataDir)).map(async ({ path, origin }): Promise<(LutSummary & { mtimeMs: number }) | null> => {
          try {
            const [lut, info] = await Promise.all([readLut(path), stat(path)]);
            const points = lut.tables.reduce((sum, table) => sum + table.points.length, 0);
            const device = { id: lut.device.id, kind: lut.device.kind, model: lut.device.model };
            return { path, origin, source: lut.source, createdAt: lut.createdAt, device, modelName: lut.model.name ?? `${lut.model.arch} ${lut.model.embedDim}-d × ${lut.model.depth}`, points, status: profileStatus(lut), denseMs: denseMsOf(lut), mtimeMs: info.mtimeMs };
          } catch (error) {
            // Another JSON file in the folder, or a damaged table: not listed, but said.
            console.warn(`[luts] skipping ${path}: ${(error as Error).message}`);
            return null;
          }
        }),
      );
      const luts = found.filter((entry) => entry !== null).sort((a, b) => b.mtimeMs - a.mtimeMs);
      return { luts: luts.map(({ mtimeMs: _mtime, ...summary }) => summary) };
    },
    'luts.read': async ({ path }) => {
      const lut = await readLut(path);
      const { raw: _raw, ...shown } = lut;
      return { path, lut: shown, fitted: fitted(lut), status: profileStatus(lut), denseMs: denseMsOf(lut) };
    },
    'luts.solve': async ({ path, budgetMs, selectorBlocks, minKeepRatio }) => {
      const lut = await readLut(path);
      if (selectorBlocks !== undefined && lut.model.arch !== 'vit') {
        throw new StudioError('input/invalid', `Selector blocks apply to flat ViTs; ${basename(path)} is a ${lut.model.arch} table.`, { details: { field: 'selectorBlocks' }, hint: 'Leave the blocks out to use the default places per stage.' });
      }
      return solveForBudget(lut, { budgetMs, selectorBlocks, minKeepRatio });
    },
  };
}
