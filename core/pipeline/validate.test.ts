import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ROOFLINE_PRESETS, buildAnalyticLut } from '../latency/analytic-lut';
import { resolveBudgetMs } from '../latency/budget';
import { solveBudget } from '../latency/budget-solver';
import { flatSelectors, layoutFromModel } from '../latency/layout';
import { createLatencyModel } from '../latency/latency-model';
import { SHAPE_FLOP_COUNTER, macsOfBlockForShape } from '../latency/transformer-macs';

import { createDeviceKindRegistry } from './device-kinds';
import { planPipeline } from './plan';
import { resolveBackboneShape } from './semantic-checks';
import { checkPipeline, validatePipeline } from './validate';

import type { PipelineIssue } from './issues';

async function example(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(`../../examples/${name}.spvit.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

type Doc = { nodes: { id: string; kind: string; config: Record<string, unknown> }[]; edges: { from: { node: string; port: string }; to: { node: string; port: string } }[] };

async function quick(): Promise<Doc> {
  return (await example('quick-sample')) as unknown as Doc;
}

function issues(json: unknown, registry = createDeviceKindRegistry()): PipelineIssue[] {
  const result = checkPipeline(json, { deviceKinds: registry });
  expect(result.pipeline).toBeNull();
  return result.issues;
}

const node = (doc: Doc, id: string) => doc.nodes.find((n) => n.id === id) as Doc['nodes'][number];

describe('pipeline validation', () => {
  it.each(['quick-sample', 'fashion-mnist-budget'])('accepts examples/%s.spvit.json', async (name) => {
    const pipeline = validatePipeline(await example(name));
    expect(pipeline.nodes.map((n) => n.kind)).toEqual(['dataset', 'backbone', 'latency-table', 'train', 'evaluate', 'export']);
    const train = pipeline.nodes.find((n) => n.kind === 'train');
    expect(train?.kind === 'train' && train.config.spvit?.budget).toBeTruthy();
  });

  it.each(['quick-sample', 'fashion-mnist-budget'])('examples/%s.spvit.json asks for a budget its latency table can meet', async (name) => {
    const pipeline = validatePipeline(await example(name));
    const backbone = pipeline.nodes.find((n) => n.kind === 'backbone');
    const table = pipeline.nodes.find((n) => n.kind === 'latency-table');
    const train = pipeline.nodes.find((n) => n.kind === 'train');
    if (backbone?.kind !== 'backbone' || table?.kind !== 'latency-table' || table.config.source !== 'analytic' || train?.kind !== 'train' || train.config.spvit?.budget === undefined) {
      throw new Error('the example changed shape');
    }
    const resolved = resolveBackboneShape(backbone);
    if (!('shape' in resolved)) throw new Error(resolved.issue.message);
    const lut = buildAnalyticLut({ model: resolved.shape, macsOfBlock: macsOfBlockForShape(resolved.shape), flopCounter: SHAPE_FLOP_COUNTER, roofline: table.config.roofline ?? ROOFLINE_PRESETS[table.config.preset] });
    const layout = layoutFromModel(lut.model, flatSelectors(train.config.spvit.selector.blocks ?? []));
    const budgetMs = resolveBudgetMs(train.config.spvit.budget, lut, layout);
    const solution = solveBudget(createLatencyModel(lut, layout), { budgetMs, minKeepRatio: train.config.spvit.minKeepRatio });
    expect(solution.predictedMs).toBeLessThanOrEqual(budgetMs);
    expect(solution.keepRatios[0]).toBeGreaterThan(0.3);
  });

  it('fills defaults and plans dependencies first', async () => {
    const pipeline = validatePipeline(await quick());
    const train = pipeline.nodes.find((n) => n.id === 'train');
    expect(train?.kind === 'train' && train.config.spvit?.loss).toEqual({ ratio: 2, distill: 0.5, token: 0.5, latencyHinge: 0 });
    const order = planPipeline(pipeline).map((s) => s.node.id);
    expect(order.indexOf('lut')).toBeLessThan(order.indexOf('train'));
    expect(order.indexOf('train')).toBeLessThan(order.indexOf('eval'));
    expect(planPipeline(pipeline).find((s) => s.node.id === 'train')?.inputs).toEqual({
      dataset: { node: 'data', port: 'dataset' },
      backbone: { node: 'vit', port: 'backbone' },
      lut: { node: 'lut', port: 'lut' },
    });
  });

  it('points config errors at the node id and field', async () => {
    const doc = await quick();
    (node(doc, 'train').config['spvit'] as Record<string, unknown>)['epochs'] = 0;
    (node(doc, 'data').config['input'] as Record<string, unknown>)['channels'] = 2;
    const found = issues(doc);
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'train', field: 'config.spvit.epochs' }));
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'data', field: 'config.input.channels' }));
    let thrown: unknown;
    try {
      validatePipeline(doc, { origin: 'quick.spvit.json' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'input/invalid', details: { origin: 'quick.spvit.json', issues: expect.arrayContaining([expect.objectContaining({ nodeId: 'train' })]) } });
    expect((thrown as Error).message).toMatch(/node 'train' config\.spvit\.epochs/);
  });

  it('finds cycles', async () => {
    // The built-in port types only flow forward, so a cycle always comes with a type mismatch;
    // the cycle is still reported on its own (future node kinds may make type-correct ones).
    const doc = await quick();
    doc.edges.push({ from: { node: 'eval', port: 'evaluation' }, to: { node: 'train', port: 'lut' } });
    const found = issues(doc);
    expect(found).toContainEqual({ nodeId: 'train', field: 'edges', message: 'cycle: train -> eval -> train' });
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'train', message: expect.stringContaining('type mismatch') }));
  });

  it('finds dangling edges, wrong ports, type mismatches and doubly connected inputs', async () => {
    const doc = await quick();
    doc.edges.push({ from: { node: 'ghost', port: 'dataset' }, to: { node: 'eval', port: 'dataset' } });
    doc.edges.push({ from: { node: 'data', port: 'images' }, to: { node: 'eval', port: 'dataset' } });
    doc.edges.push({ from: { node: 'data', port: 'dataset' }, to: { node: 'eval', port: 'lut' } });
    doc.edges.push({ from: { node: 'data', port: 'dataset' }, to: { node: 'train', port: 'dataset' } });
    const found = issues(doc);
    expect(found).toContainEqual({ nodeId: 'eval', field: 'edges[7].from.node', message: "no node 'ghost'" });
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'data', field: 'edges[8].from.port' }));
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'eval', field: 'edges[9]', message: "type mismatch: 'data.dataset' gives dataset, 'eval.lut' takes latency-table" }));
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'train', field: 'edges[10].to.port', message: "input 'dataset' is already connected by edges[1]" }));
  });

  it('finds missing required inputs, including ones the config makes required', async () => {
    const doc = await quick();
    doc.edges = doc.edges.filter((e) => !(e.to.node === 'train' && (e.to.port === 'lut' || e.to.port === 'backbone')));
    const found = issues(doc);
    expect(found).toContainEqual({ nodeId: 'train', field: 'inputs.backbone', message: "missing required input 'backbone' (connect a backbone output)" });
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'train', field: 'inputs.lut' }));
    // With explicit keep ratios instead of a budget the latency table is optional.
    const spvit = node(doc, 'train').config['spvit'] as Record<string, unknown>;
    delete spvit['budget'];
    spvit['keepRatios'] = [0.8, 0.6, 0.4];
    doc.edges.push({ from: { node: 'vit', port: 'backbone' }, to: { node: 'train', port: 'backbone' } });
    expect(checkPipeline(doc).issues).toEqual([]);
  });

  it('rejects duplicate ids, bad ids and an unknown node kind', async () => {
    const doc = await quick();
    doc.nodes.push({ ...node(doc, 'eval') });
    expect(issues(doc)).toContainEqual({ nodeId: 'eval', field: 'id', message: "duplicate node id 'eval'" });
    const bad = await quick();
    bad.nodes.push({ id: 'Bad Id', kind: 'wizard', config: {} });
    const found = issues(bad);
    expect(found.map((i) => [i.nodeId, i.field])).toEqual(expect.arrayContaining([['Bad Id', 'id'], ['Bad Id', 'kind']]));
  });

  it('checks device nodes against the device-kind registry, which device code can extend', async () => {
    const doc = await quick();
    doc.nodes.push({ id: 'phone', kind: 'device', config: { deviceKind: 'android', simulated: true, threads: 99 } });
    doc.nodes.push({ id: 'board', kind: 'device', config: { deviceKind: 'jetson' } });
    const found = issues(doc);
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'phone', field: 'config.threads' }));
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'board', field: 'config.deviceKind', message: expect.stringContaining("unknown device kind 'jetson'") }));
    const registry = createDeviceKindRegistry();
    registry.register({ kind: 'jetson', description: 'NVIDIA Jetson', configSchema: z.strictObject({ host: z.string().default('jetson.local') }) });
    node(doc, 'phone').config['threads'] = 4;
    const pipeline = validatePipeline(doc, { deviceKinds: registry });
    expect(pipeline.nodes.find((n) => n.id === 'board')?.config).toEqual({ deviceKind: 'jetson', host: 'jetson.local' });
    expect(() => registry.register({ kind: 'jetson', description: '', configSchema: z.object({}) })).toThrow(/already registered/);
  });

  it('requires a device for profiling on a device', async () => {
    const doc = await quick();
    node(doc, 'lut').config = { source: 'device' };
    expect(issues(doc)).toContainEqual(expect.objectContaining({ nodeId: 'lut', field: 'inputs.device' }));
    doc.nodes.push({ id: 'phone', kind: 'device', config: { deviceKind: 'android', simulated: true } });
    doc.edges.push({ from: { node: 'phone', port: 'device' }, to: { node: 'lut', port: 'device' } });
    expect(checkPipeline(doc).issues).toEqual([]);
  });

  it('checks that the dataset fits the backbone and the backbone resolves', async () => {
    const doc = await quick();
    (node(doc, 'vit').config['kwargs'] as Record<string, unknown>)['img_size'] = 32;
    (node(doc, 'vit').config['kwargs'] as Record<string, unknown>)['num_classes'] = 100;
    const found = issues(doc);
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'data', field: 'config.input', message: expect.stringContaining('does not match') }));
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'vit', field: 'config.kwargs.num_classes' }));
    const unknown = await quick();
    node(unknown, 'vit').config['model'] = 'resnet50';
    expect(issues(unknown)).toContainEqual(expect.objectContaining({ nodeId: 'vit', field: 'config.model' }));
  });

  it('checks selector blocks against the depth and keep ratios against the selectors', async () => {
    const doc = await quick();
    const spvit = node(doc, 'train').config['spvit'] as Record<string, unknown>;
    spvit['selector'] = { blocks: [1, 4] };
    const found = issues(doc);
    expect(found).toContainEqual(expect.objectContaining({ nodeId: 'train', field: 'config.spvit.selector.blocks[1]' }));
    spvit['selector'] = { blocks: [1, 2] };
    delete spvit['budget'];
    spvit['keepRatios'] = [0.7, 0.8];
    expect(issues(doc)).toContainEqual(expect.objectContaining({ nodeId: 'train', field: 'config.spvit.keepRatios[1]' }));
  });

  it('rejects a wrong version with a field path', () => {
    expect(issues({ version: 2, name: 'x', nodes: [] })).toEqual(expect.arrayContaining([expect.objectContaining({ nodeId: null, field: 'version' })]));
  });
});
