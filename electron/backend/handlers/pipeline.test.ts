import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createClient } from '../../../core/api/client';
import { contract } from '../../../core/api/contract';
import { createInMemoryTransport } from '../../../core/api/in-memory-transport';
import { NODE_CONFIG_SCHEMAS, NODE_KINDS } from '../../../core/pipeline';
import { createBackend } from '../create-backend';

import { DEFAULT_CONFIGS } from './pipeline-palette';

import type { NodeStateEvent } from '../../../core/api/contracts/pipeline';
import type { StudioBackend } from '../create-backend';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function setUp() {
  const dataDir = mkdtempSync(join(tmpdir(), 'spvit-pipeline-data-'));
  const studio: StudioBackend = createBackend({ host: 'test', dataDir, validateResults: true });
  cleanups.push(async () => {
    await studio.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const client = createClient(contract, createInMemoryTransport(studio.backend), { validate: true });
  return { client, dataDir };
}

/** backbone -> analytic latency table: quick to run, no data to read. */
const lutDocument = {
  version: 1,
  name: 'Latency only',
  nodes: [
    { id: 'vit', kind: 'backbone', position: { x: 0, y: 0 }, config: DEFAULT_CONFIGS.backbone },
    { id: 'lut', kind: 'latency-table', position: { x: 240, y: 0 }, config: DEFAULT_CONFIGS['latency-table'] },
    { id: 'data', kind: 'dataset', position: { x: 0, y: 160 }, config: DEFAULT_CONFIGS.dataset },
  ],
  edges: [{ from: { node: 'vit', port: 'backbone' }, to: { node: 'lut', port: 'backbone' } }],
};

describe('pipeline palette', () => {
  it('lists every node kind with typed ports, a JSON Schema form and a default config that validates', async () => {
    const { client } = setUp();
    const { kinds, portTypes } = await client.api.pipeline.palette({});
    expect(kinds.map((k) => k.kind)).toEqual([...NODE_KINDS]);
    const train = kinds.find((k) => k.kind === 'train')!;
    expect(train.inputs.map((p) => `${p.name}:${p.type}:${p.required}`)).toEqual(['dataset:dataset:always', 'backbone:backbone:always', 'lut:latency-table:conditional']);
    expect(train.outputs).toEqual([{ name: 'model', type: 'model', description: 'the trained (pruned) model' }]);
    expect(portTypes).toContain('latency-table');
    const lutForm = kinds.find((k) => k.kind === 'latency-table')!.configSchema as { oneOf: { properties: { source: { const: string } } }[] };
    expect(lutForm.oneOf.map((variant) => variant.properties.source.const)).toEqual(['analytic', 'file', 'device']);
    const deviceForm = kinds.find((k) => k.kind === 'device')!.configSchema as { oneOf: { properties: Record<string, unknown> }[] };
    expect(deviceForm.oneOf.map((variant) => Object.keys(variant.properties)[0])).toEqual(['deviceKind', 'deviceKind']);
    for (const kind of NODE_KINDS) {
      expect(NODE_CONFIG_SCHEMAS[kind].safeParse(DEFAULT_CONFIGS[kind]).success, kind).toBe(true);
    }
  });
});

describe('pipeline.validate', () => {
  it('names the node and field of every problem and gives the run order', async () => {
    const { client } = setUp();
    const broken = {
      ...lutDocument,
      nodes: [...lutDocument.nodes, { id: 'train', kind: 'train', config: { spvit: { epochs: 0, keepRatios: [0.5] } } }],
    };
    const { issues, order } = await client.api.pipeline.validate({ document: broken });
    expect(issues).toContainEqual({ nodeId: 'train', field: 'config.spvit.epochs', message: expect.stringMatching(/>=1/) as unknown as string });
    expect(order).toEqual(['vit', 'lut', 'data', 'train']);
    const clean = await client.api.pipeline.validate({ document: lutDocument });
    expect(clean.issues).toEqual([]);
  });
});

describe('pipeline files', () => {
  it('saves, refuses to replace without consent, lists, reopens and remembers the file', async () => {
    const { client } = setUp();
    const folder = mkdtempSync(join(tmpdir(), 'spvit-pipeline-files-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const path = join(folder, 'latency.spvit.json');
    await client.api.pipeline.save({ path, document: lutDocument });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(lutDocument);
    await expect(client.api.pipeline.save({ path, document: lutDocument })).rejects.toMatchObject({ code: 'input/invalid', message: 'latency.spvit.json already exists' });
    await client.api.pipeline.save({ path, document: { ...lutDocument, name: 'Renamed' }, overwrite: true });
    await expect(client.api.pipeline.save({ path: join(folder, 'x.json'), document: lutDocument })).rejects.toMatchObject({ code: 'input/invalid' });

    const listing = await client.api.pipeline.browse({ dir: folder });
    expect(listing.entries).toEqual([{ name: 'latency.spvit.json', path, kind: 'pipeline' }]);
    const opened = await client.api.pipeline.open({ path });
    expect(opened.document.name).toBe('Renamed');
    expect(opened.issues).toEqual([]);
    const { files } = await client.api.pipeline.recent({});
    expect(files.map((f) => [f.path, f.name])).toEqual([[path, 'Renamed']]);

    writeFileSync(join(folder, 'broken.spvit.json'), '{"version": 1,');
    await expect(client.api.pipeline.open({ path: join(folder, 'broken.spvit.json') })).rejects.toMatchObject({ code: 'input/invalid', hint: expect.any(String) as unknown as string });
  });
});

describe('pipeline runs', () => {
  it('runs up to a node as a job, reporting each node from pending to done', async () => {
    const { client } = setUp();
    const states: NodeStateEvent[] = [];
    client.on('pipeline.nodeState', (event) => states.push(event));
    const { runId, order } = await client.api.pipeline.runUpTo({ document: lutDocument, nodeId: 'lut' });
    expect(order).toEqual(['vit', 'lut']);
    const job = await client.api.jobs.wait({ runId });
    expect(job.state).toBe('succeeded');
    expect(states.filter((s) => s.nodeId === 'lut').map((s) => s.state)).toEqual(['pending', 'running', 'done']);
    expect(states.some((s) => s.nodeId === 'data')).toBe(false);
    const status = await client.api.pipeline.runStatus({ runId });
    expect(status.nodes.map((n) => `${n.nodeId}:${n.state}`)).toEqual(['vit:done', 'lut:done']);
  });

  it('marks the node that failed with its own error and hint', async () => {
    const { client } = setUp();
    const document = {
      ...lutDocument,
      nodes: lutDocument.nodes.map((node) => (node.id === 'lut' ? { ...node, config: { source: 'file', path: 'missing-lut.json' } } : node)),
    };
    const { runId } = await client.api.pipeline.run({ document });
    const job = await client.api.jobs.wait({ runId });
    expect(job.state).toBe('failed');
    const status = await client.api.pipeline.runStatus({ runId });
    const lut = status.nodes.find((n) => n.nodeId === 'lut')!;
    expect(lut.state).toBe('failed');
    expect(lut.error?.message).toMatch(/missing-lut\.json/);
  });

  it('refuses an invalid pipeline with the issues in the error details', async () => {
    const { client } = setUp();
    const document = { ...lutDocument, edges: [] };
    await expect(client.api.pipeline.run({ document })).rejects.toMatchObject({
      code: 'input/invalid',
      details: { issues: [{ nodeId: 'lut', field: 'inputs.backbone', message: "missing required input 'backbone' (connect a backbone output)" }] },
    });
  });
});
