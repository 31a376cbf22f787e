/**
 * Edits of a pipeline document, as pure functions: each returns a new document and leaves the old
 * one as it was, so the editor's undo stack can keep them.
 */
import type { EditorDocument, EditorEdge, EditorNode } from '../../../core/api/contracts/pipeline';

export interface PortRef {
  readonly node: string;
  readonly port: string;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export const PIPELINE_VERSION = 1;

export function emptyDocument(name = 'Untitled pipeline'): EditorDocument {
  return { version: PIPELINE_VERSION, name, nodes: [], edges: [] };
}

/** A stable key for an edge (edges in a file need not carry ids). */
export function edgeKey(edge: Pick<EditorEdge, 'from' | 'to'>): string {
  return `${edge.from.node}.${edge.from.port}->${edge.to.node}.${edge.to.port}`;
}

/** `kind`, or `kind-2`, `kind-3`... whichever is free; valid as a core/pipeline node id. */
export function nextNodeId(document: EditorDocument, kind: string): string {
  const base = kind.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '') || 'node';
  const taken = new Set(document.nodes.map((node) => node.id));
  if (!taken.has(base)) return base;
  let index = 2;
  while (taken.has(`${base}-${index}`)) index += 1;
  return `${base}-${index}`;
}

export function findNode(document: EditorDocument, id: string): EditorNode | undefined {
  return document.nodes.find((node) => node.id === id);
}

export function addNode(document: EditorDocument, node: EditorNode): EditorDocument {
  return { ...document, nodes: [...document.nodes, node] };
}

/** Removes the nodes and every edge that touches them. */
export function removeNodes(document: EditorDocument, ids: readonly string[]): EditorDocument {
  const gone = new Set(ids);
  return {
    ...document,
    nodes: document.nodes.filter((node) => !gone.has(node.id)),
    edges: document.edges.filter((edge) => !gone.has(edge.from.node) && !gone.has(edge.to.node)),
  };
}

function updateNode(document: EditorDocument, id: string, change: (node: EditorNode) => EditorNode): EditorDocument {
  return { ...document, nodes: document.nodes.map((node) => (node.id === id ? change(node) : node)) };
}

export function moveNode(document: EditorDocument, id: string, position: Point): EditorDocument {
  return updateNode(document, id, (node) => ({ ...node, position: { x: Math.round(position.x), y: Math.round(position.y) } }));
}

export function placeNodes(document: EditorDocument, positions: ReadonlyMap<string, Point>): EditorDocument {
  return {
    ...document,
    nodes: document.nodes.map((node) => {
      const position = positions.get(node.id);
      return position === undefined ? node : { ...node, position: { x: Math.round(position.x), y: Math.round(position.y) } };
    }),
  };
}

export function setConfig(document: EditorDocument, id: string, config: unknown): EditorDocument {
  return updateNode(document, id, (node) => ({ ...node, config }));
}

/** An empty label removes it (the node then shows its kind). */
export function setLabel(document: EditorDocument, id: string, label: string): EditorDocument {
  return updateNode(document, id, (node) => {
    const { label: _old, ...rest } = node;
    return label.trim() === '' ? rest : { ...rest, label };
  });
}

export function setName(document: EditorDocument, name: string): EditorDocument {
  return { ...document, name };
}

export function connect(document: EditorDocument, from: PortRef, to: PortRef): EditorDocument {
  return { ...document, edges: [...document.edges, { from: { ...from }, to: { ...to } }] };
}

export function disconnect(document: EditorDocument, key: string): EditorDocument {
  return { ...document, edges: document.edges.filter((edge) => edgeKey(edge) !== key) };
}

/** The edge feeding an input port, if any. */
export function edgeInto(document: EditorDocument, to: PortRef): EditorEdge | undefined {
  return document.edges.find((edge) => edge.to.node === to.node && edge.to.port === to.port);
}
