import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseLut, readLut, writeLut } from './lut-io';
import { flatModel, staircaseLut } from './synthetic-lut';

import type { Lut } from './lut-schema';

const valid = (): Lut => staircaseLut({ model: flatModel({ depth: 4, grid: 16 }), stepTokens: 4, stepMs: 0.5 });

function issuesOf(json: unknown): { field: string; message: string }[] {
  try {
    parseLut(json, 'test.json');
  } catch (error) {
    expect(error).toMatchObject({ code: 'input/invalid' });
    return (error as { details: { issues: { field: string; message: string }[] } }).details.issues;
  }
  throw new Error('expected the LUT to be rejected');
}

describe('LUT schema and files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spvit-lut-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a valid table and round-trips it through a file', async () => {
    const lut = valid();
    const path = join(dir, 'lut.json');
    await writeLut(path, lut);
    expect(await readLut(path)).toEqual(lut);
  });

  it('names the field of a non-increasing token count', () => {
    const lut = valid();
    const points = lut.tables[0]?.points ?? [];
    (points[2] as { tokens: number }).tokens = 2;
    expect(issuesOf(lut)).toContainEqual({ field: 'tables[0].points[2].tokens', message: 'token counts must increase strictly (2 after 2)' });
  });

  it('names the fields of a negative mean, a sample-count mismatch and a missing runtime', () => {
    const lut = valid() as unknown as { tables: { points: { meanMs: number; samplesMs?: number[] }[] }[]; device: Record<string, unknown> };
    (lut.tables[1]?.points[0] as { meanMs: number }).meanMs = -1;
    (lut.tables[0]?.points[3] as { samplesMs?: number[] }).samplesMs = [1, 2];
    delete lut.device['runtime'];
    const fields = issuesOf(lut).map((i) => i.field);
    expect(fields).toContain('tables[1].points[0].meanMs');
    expect(fields).toContain('tables[0].points[3].samplesMs');
    expect(fields).toContain('device.runtime');
  });

  it('rejects duplicate tables, unknown stages and an analytic LUT without its roofline', () => {
    const lut = valid();
    lut.tables.push({ ...(lut.tables[0] as Lut['tables'][number]) });
    lut.tables.push({ blockType: 'block', stage: 3, points: [{ tokens: 1, meanMs: 1, stdMs: 0, count: 1 }] });
    lut.source = 'analytic';
    const issues = issuesOf(lut);
    expect(issues.map((i) => i.field)).toEqual(expect.arrayContaining([`tables[${lut.tables.length - 2}]`, `tables[${lut.tables.length - 1}].stage`, 'analytic']));
  });

  it('reports a missing file and a non-JSON file', async () => {
    await expect(readLut(join(dir, 'none.json'))).rejects.toMatchObject({ code: 'input/not-found' });
    await writeFile(join(dir, 'bad.json'), '{"format": ');
    await expect(readLut(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'input/invalid', message: expect.stringContaining('is not JSON') });
  });
});
