/**
 * Whether an output may feed an input, and if not, why, in words the editor shows at once: the same
 * rules core/pipeline's validator applies (same port type, one edge per input, no cycles).
 */
import { edgeInto, edgeKey, findNode } from './document-ops';

import type { EditorDocument, PaletteKind, PortSpec } from '../../../core/api/contracts/pipeline';
import type { PortRef } from './document-ops';

export type PaletteIndex = ReadonlyMap<string, PaletteKind>;

export function indexPalette(kinds: readonly PaletteKind[]): PaletteIndex {
  return new Map(kinds.map((kind) => [kind.kind, kind]));
}

export function findPort(palette: PaletteIndex, kind: string, side: 'inputs' | 'outputs', port: string): PortSpec | undefined {
  return palette.get(kind)?.[side].find((spec) => spec.name === port);
}

function nodeName(document: EditorDocument, id: string): string {
  return findNode(document, id)?.label ?? id;
}

/** Is `target` reachable from `start` along edges? */
function reaches(document: EditorDocument, start: string, target: string): boolean {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const edge of document.edges) if (edge.from.node === id) queue.push(edge.to.node);
  }
  return false;
}

/** null when the edge may be made; otherwise the reason it may not. */
export function connectionProblem(document: EditorDocument, palette: PaletteIndex, from: PortRef, to: PortRef): string | null {
  const source = findNode(document, from.node);
  const target = findNode(document, to.node);
  if (source === undefined || target === undefined) return 'Both ends must be nodes of this pipeline.';
  const output = findPort(palette, source.kind, 'outputs', from.port);
  const input = findPort(palette, target.kind, 'inputs', to.port);
  if (output === undefined) return `${nodeName(document, from.node)} has no output '${from.port}'.`;
  if (input === undefined) return `${nodeName(document, to.node)} has no input '${to.port}'.`;
  if (from.node === to.node) return 'A node cannot feed itself.';
  if (output.type !== input.type) {
    return `Types differ: '${from.port}' gives a ${output.type}, but '${to.port}' of ${nodeName(document, to.node)} takes a ${input.type}.`;
  }
  const existing = edgeInto(document, to);
  if (existing !== undefined) {
    if (edgeKey(existing) === edgeKey({ from, to })) return 'These ports are already connected.';
    return `Input '${to.port}' of ${nodeName(document, to.node)} already takes ${nodeName(document, existing.from.node)}.${existing.from.port}; remove that edge first.`;
  }
  if (reaches(document, to.node, from.node)) {
    return `That edge would make a cycle: ${nodeName(document, to.node)} already feeds ${nodeName(document, from.node)}.`;
  }
  return null;
}

export interface Candidate {
  readonly from: PortRef;
  readonly problem: string | null;
}

/** Every output of other nodes whose type fits an input, with whether it may be chosen. */
export function candidatesFor(document: EditorDocument, palette: PaletteIndex, to: PortRef): Candidate[] {
  const target = findNode(document, to.node);
  const input = target === undefined ? undefined : findPort(palette, target.kind, 'inputs', to.port);
  if (input === undefined) return [];
  const withoutCurrent = { ...document, edges: document.edges.filter((edge) => !(edge.to.node === to.node && edge.to.port === to.port)) };
  return document.nodes.flatMap((node) =>
    (palette.get(node.kind)?.outputs ?? [])
      .filter((output) => output.type === input.type && node.id !== to.node)
      .map((output) => {
        const from = { node: node.id, port: output.name };
        return { from, problem: connectionProblem(withoutCurrent, palette, from, to) };
      }),
  );
}
