import { describe, expect, it } from 'vitest';

import { layeredLayout, layerOf, planOrder } from './auto-layout';
import { apply, createStack, redo, redoLabel, seal, undo, undoLabel } from './command-stack';
import { candidatesFor, connectionProblem, indexPalette } from './connect-check';
import { addNode, connect, edgeKey, emptyDocument, moveNode, nextNodeId, removeNodes, setLabel } from './document-ops';
import { edgePath, NODE_WIDTH } from './node-geometry';
import { TEST_PALETTE } from './test-palette';

import type { EditorDocument } from '../../../core/api/contracts/pipeline';

const palette = indexPalette(TEST_PALETTE);

function pipeline(): EditorDocument {
  let doc = emptyDocument('Test');
  for (const [id, kind] of [['data', 'dataset'], ['vit', 'backbone'], ['lut', 'latency-table'], ['train', 'train'], ['eval', 'evaluate']] as const) {
    doc = addNode(doc, { id, kind, config: {} });
  }
  doc = connect(doc, { node: 'vit', port: 'backbone' }, { node: 'lut', port: 'backbone' });
  doc = connect(doc, { node: 'data', port: 'dataset' }, { node: 'train', port: 'dataset' });
  doc = connect(doc, { node: 'lut', port: 'lut' }, { node: 'train', port: 'lut' });
  return doc;
}

describe('document edits', () => {
  it('names new nodes after their kind, numbering repeats', () => {
    let doc = emptyDocument();
    expect(nextNodeId(doc, 'latency-table')).toBe('latency-table');
    doc = addNode(doc, { id: 'train', kind: 'train', config: {} });
    doc = addNode(doc, { id: 'train-2', kind: 'train', config: {} });
    expect(nextNodeId(doc, 'train')).toBe('train-3');
  });

  it('removes a node with its edges, and leaves the old document untouched', () => {
    const doc = pipeline();
    const without = removeNodes(doc, ['lut']);
    expect(without.nodes.map((n) => n.id)).toEqual(['data', 'vit', 'train', 'eval']);
    expect(without.edges.map(edgeKey)).toEqual(['data.dataset->train.dataset']);
    expect(doc.edges).toHaveLength(3);
  });

  it('rounds positions and drops empty labels', () => {
    const doc = setLabel(moveNode(pipeline(), 'vit', { x: 10.4, y: 20.6 }), 'vit', 'ViT');
    expect(doc.nodes[1]).toMatchObject({ position: { x: 10, y: 21 }, label: 'ViT' });
    expect(setLabel(doc, 'vit', ' ').nodes[1]).not.toHaveProperty('label');
  });
});

describe('connectionProblem', () => {
  it('accepts an output into a free input of the same type', () => {
    expect(connectionProblem(pipeline(), palette, { node: 'vit', port: 'backbone' }, { node: 'train', port: 'backbone' })).toBeNull();
  });

  it('refuses other types, taken inputs, self edges and cycles, saying why', () => {
    const doc = pipeline();
    expect(connectionProblem(doc, palette, { node: 'data', port: 'dataset' }, { node: 'train', port: 'backbone' })).toBe(
      "Types differ: 'dataset' gives a dataset, but 'backbone' of train takes a backbone.",
    );
    expect(connectionProblem(doc, palette, { node: 'data', port: 'dataset' }, { node: 'train', port: 'dataset' })).toBe('These ports are already connected.');
    const twoLuts = addNode(doc, { id: 'lut-2', kind: 'latency-table', config: {} });
    expect(connectionProblem(twoLuts, palette, { node: 'lut-2', port: 'lut' }, { node: 'train', port: 'lut' })).toBe(
      "Input 'lut' of train already takes lut.lut; remove that edge first.",
    );
    expect(connectionProblem(doc, palette, { node: 'eval', port: 'evaluation' }, { node: 'eval', port: 'model' })).toBe('A node cannot feed itself.');
    expect(connectionProblem(setLabel(doc, 'eval', 'Test set'), palette, { node: 'eval', port: 'model' }, { node: 'train', port: 'dataset' })).toBe("Test set has no output 'model'.");
  });

  it('refuses an edge that closes a cycle', () => {
    const cyclePalette = indexPalette([...TEST_PALETTE, { ...TEST_PALETTE[2]!, kind: 'loop', inputs: [{ name: 'model', type: 'model', required: 'always', description: '' }], outputs: [{ name: 'backbone', type: 'backbone', description: '' }] }]);
    let doc = addNode(pipeline(), { id: 'loop', kind: 'loop', config: {} });
    doc = connect(doc, { node: 'vit', port: 'backbone' }, { node: 'train', port: 'backbone' });
    doc = connect(doc, { node: 'train', port: 'model' }, { node: 'loop', port: 'model' });
    expect(connectionProblem(doc, cyclePalette, { node: 'loop', port: 'backbone' }, { node: 'lut', port: 'backbone' })).toMatch(/already takes/);
    const freed = { ...doc, edges: doc.edges.filter((e) => e.to.node !== 'lut') };
    expect(connectionProblem(freed, cyclePalette, { node: 'loop', port: 'backbone' }, { node: 'lut', port: 'backbone' })).toBe('That edge would make a cycle: lut already feeds loop.');
  });

  it('lists the outputs that fit an input, the current one included', () => {
    const doc = addNode(pipeline(), { id: 'lut-2', kind: 'latency-table', config: {} });
    expect(candidatesFor(doc, palette, { node: 'train', port: 'lut' })).toEqual([
      { from: { node: 'lut', port: 'lut' }, problem: null },
      { from: { node: 'lut-2', port: 'lut' }, problem: null },
    ]);
  });
});

describe('command stack', () => {
  it('undoes and redoes with labels, and joins a drag into one step', () => {
    let stack = createStack(1);
    stack = apply(stack, 2, { label: 'Add node' });
    stack = apply(stack, 3, { label: 'Move node', coalesceKey: 'move:a' });
    stack = apply(stack, 4, { label: 'Move node', coalesceKey: 'move:a' });
    expect(stack.done).toHaveLength(2);
    expect(undoLabel(stack)).toBe('Move node');
    stack = undo(stack);
    expect(stack.present).toBe(2);
    expect(redoLabel(stack)).toBe('Move node');
    stack = redo(stack);
    expect(stack.present).toBe(4);
    stack = apply(seal(stack), 5, { label: 'Move node', coalesceKey: 'move:a' });
    expect(stack.done).toHaveLength(3);
    stack = undo(undo(undo(stack)));
    expect(stack.present).toBe(1);
    expect(undo(stack)).toBe(stack);
    expect(apply(stack, 9, { label: 'Edit' }).undone).toEqual([]);
  });
});

describe('auto-layout', () => {
  it('puts each node one layer right of what it reads from, rows in plan order, columns centred', () => {
    const doc = pipeline();
    const order = planOrder(doc);
    expect(order).toEqual(['data', 'vit', 'lut', 'train', 'eval']);
    expect(planOrder({ ...doc, nodes: [...doc.nodes].reverse() })).toEqual(['eval', 'vit', 'lut', 'data', 'train']);
    expect(Object.fromEntries(layerOf(doc, order))).toEqual({ data: 0, vit: 0, lut: 1, train: 2, eval: 0 });
    const positions = layeredLayout(doc, { order, heightOf: () => 100 });
    const step = NODE_WIDTH + 96;
    expect(positions.get('data')).toEqual({ x: 0, y: 0 });
    expect(positions.get('vit')).toEqual({ x: 0, y: 140 });
    expect(positions.get('eval')).toEqual({ x: 0, y: 280 });
    expect(positions.get('lut')).toEqual({ x: step, y: 140 });
    expect(positions.get('train')).toEqual({ x: 2 * step, y: 140 });
  });
});

describe('edgePath', () => {
  it('draws a horizontal S-curve between two ports', () => {
    expect(edgePath({ x: 0, y: 0 }, { x: 200, y: 50 })).toBe('M 0 0 C 100 0, 100 50, 200 50');
  });
});

describe('fitTransform', () => {
  it('centres the nodes in the space beside the palette, at most at 100 %', async () => {
    const { documentBounds, fitTransform } = await import('./canvas-fit');
    const doc = moveNode(moveNode(pipeline(), 'data', { x: 0, y: 0 }), 'eval', { x: 792, y: 300 });
    const bounds = documentBounds({ ...doc, nodes: doc.nodes.filter((n) => n.id === 'data' || n.id === 'eval') }, () => 100);
    expect(bounds).toEqual({ x: 0, y: 0, width: 1000, height: 400 });
    const insets = { left: 200, top: 20, right: 20, bottom: 20 };
    expect(fitTransform(bounds!, { width: 720, height: 440 }, insets, 0.25)).toEqual({ x: 200, y: 120, k: 0.5 });
    expect(fitTransform({ x: 0, y: 0, width: 100, height: 100 }, { width: 720, height: 440 }, insets, 0.25)).toEqual({ x: 400, y: 170, k: 1 });
  });
});
