/**
 * The pipeline document (a .spvit.json file): a version, nodes with stable ids and a config per
 * kind, and edges between typed ports. `PipelineDocumentSchema` checks the frame; validatePipeline
 * checks configs, ports, edges and the graph.
 */
import { z } from 'zod';

import { NODE_KINDS } from './ports';

import type { NodeConfigs } from './node-configs';
import type { NodeKind } from './ports';

export const PIPELINE_VERSION = 1;

/** Lower-case letters, digits, '-' and '_', starting with a letter: stable across edits. */
export const NodeIdSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'node ids are 1-64 lower-case letters, digits, - or _, starting with a letter');

export const PortRefSchema = z.strictObject({ node: z.string().min(1), port: z.string().min(1) });
export type PortRef = z.infer<typeof PortRefSchema>;

export const PipelineNodeFrameSchema = z.strictObject({
  id: NodeIdSchema,
  kind: z.enum(NODE_KINDS),
  label: z.string().max(200).optional(),
  /** Where the editor draws the node. */
  position: z.strictObject({ x: z.number(), y: z.number() }).optional(),
  config: z.unknown(),
});

export const PipelineEdgeSchema = z.strictObject({
  id: z.string().min(1).optional(),
  from: PortRefSchema,
  to: PortRefSchema,
});
export type PipelineEdge = z.infer<typeof PipelineEdgeSchema>;

export const PipelineDocumentSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(PIPELINE_VERSION),
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  nodes: z.array(PipelineNodeFrameSchema).min(1),
  edges: z.array(PipelineEdgeSchema).default([]),
});
export type PipelineDocument = z.input<typeof PipelineDocumentSchema>;

/** A node with its config parsed (defaults filled in). */
export type PipelineNode<K extends NodeKind = NodeKind> = K extends NodeKind
  ? { id: string; kind: K; label?: string; position?: { x: number; y: number }; config: NodeConfigs[K] }
  : never;

/** A validated pipeline. */
export interface Pipeline {
  version: typeof PIPELINE_VERSION;
  name: string;
  description?: string;
  nodes: PipelineNode[];
  edges: PipelineEdge[];
}
