import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createClient } from '../../../core/api/client';
import { contract } from '../../../core/api/contract';
import { createInMemoryTransport } from '../../../core/api/in-memory-transport';
import { createBackend } from '../create-backend';

import { DEFAULT_CONFIGS } from './pipeline-palette';

import type { Client } from '../../../core/api/client';
import type { Contract } from '../../../core/api/contract';
import type { StudioBackend } from '../create-backend';

describe('luts.* and runs.* on a run that made an analytic latency table', () => {
  let dataDir: string;
  let studio: StudioBackend;
  let client: Client<Contract>;
  let runId: string;
  let runDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'spvit-luts-'));
    studio = createBackend({ host: 'test', dataDir, validateResults: true });
    client = createClient(contract, createInMemoryTransport(studio.backend), { validate: true });
    const document = {
      version: 1,
      name: 'Latency only',
      nodes: [
        { id: 'vit', kind: 'backbone', config: DEFAULT_CONFIGS.backbone },
        { id: 'lut', kind: 'latency-table', config: DEFAULT_CONFIGS['latency-table'] },
      ],
      edges: [{ from: { node: 'vit', port: 'backbone' }, to: { node: 'lut', port: 'backbone' } }],
    };
    ({ runId, runDir } = await client.api.pipeline.run({ document }));
    expect((await client.api.jobs.wait({ runId })).state).toBe('succeeded');
  });

  afterAll(async () => {
    await studio.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the table with its device, model and dense latency', async () => {
    writeFileSync(join(runDir, 'lut-notes.json'), '{"not": "a table"}');
    const { luts } = await client.api.luts.list({});
    expect(luts).toHaveLength(1);
    expect(luts[0]).toMatchObject({ path: join(runDir, 'lut.json'), origin: runId, source: 'analytic', status: 'complete', device: { kind: 'analytic' } });
    expect(luts[0]!.denseMs).toBeGreaterThan(0);
  });

  it('reads the table with a monotone fit per block type', async () => {
    const { lut, fitted, denseMs } = await client.api.luts.read({ path: join(runDir, 'lut.json') });
    expect(lut.model.depth).toBe(4);
    const block = fitted.find((table) => table.blockType === 'block')!;
    expect(block.tokens.length).toBe(lut.tables.find((t) => t.blockType === 'block')!.points.length);
    for (let i = 1; i < block.valuesMs.length; i += 1) expect(block.valuesMs[i]).toBeGreaterThanOrEqual(block.valuesMs[i - 1]!);
    expect(denseMs).toBeGreaterThan(0);
  });

  it('solves a budget into non-increasing keep ratios at the default selector places, and refuses the impossible', async () => {
    const { denseMs } = await client.api.luts.read({ path: join(runDir, 'lut.json') });
    const solution = await client.api.luts.solve({ path: join(runDir, 'lut.json'), budgetMs: 0.7 * denseMs! });
    expect(solution.selectors.map((s) => s.block)).toEqual([1, 2, 3]);
    expect(solution.predictedMs).toBeLessThanOrEqual(solution.budgetMs + 1e-9);
    expect(solution.feasible).toBe(true);
    const ratios = solution.selectors.map((s) => s.keepRatio);
    for (let i = 1; i < ratios.length; i += 1) expect(ratios[i]).toBeLessThanOrEqual(ratios[i - 1]!);
    expect(solution.selectors[0]!.blockTokens).toBe(solution.selectors[0]!.keptTokens + 2);
    const total = (ops: { latencyMs: number }[]) => ops.reduce((sum, op) => sum + op.latencyMs, 0);
    expect(total(solution.ops)).toBeCloseTo(solution.predictedMs, 6);
    expect(total(solution.denseOps)).toBeCloseTo(denseMs!, 6);
    expect(solution.denseOps.map((op) => op.blockType)).toEqual(['patch-embed', 'block', 'block', 'block', 'block', 'head']);
    await expect(client.api.luts.solve({ path: join(runDir, 'lut.json'), budgetMs: denseMs! / 1000 })).rejects.toMatchObject({ code: 'input/invalid', hint: expect.stringMatching(/Raise the budget/) as unknown as string });
  });

  it('lists the run, without a model or a deployment', async () => {
    const { runs } = await client.api.runs.list({});
    expect(runs).toEqual([expect.objectContaining({ runId, runDir, pipeline: 'Latency only', status: 'succeeded', hasModel: false, deployed: false })]);
    expect(await client.api.runs.deployReport({ runDir })).toEqual({ path: join(runDir, 'deploy-report.json'), report: null, board: { path: join(runDir, 'deploy-report-zcu102.json'), report: null } });
    const { records, total } = await client.api.runs.metrics({ runId });
    expect(total).toBe(1);
    expect(records).toEqual([{ nodeId: 'lut', name: 'latency/dense-ms', value: expect.any(Number) as unknown as number, extra: { source: 'analytic' } }]);
    await expect(client.api.runs.metrics({ runId: '../etc' })).rejects.toMatchObject({ code: 'input/not-found' });
  });
});
