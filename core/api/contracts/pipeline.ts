/**
 * pipeline.*: the editor's backend. The node palette (kinds, typed ports, config forms as JSON
 * Schema derived from core/pipeline's zod schemas), validation with issues that name node and field,
 * `.spvit.json` files in the user's folder (browse, open, save, recent), and runs as jobs whose
 * nodes report their state as `pipeline.nodeState` events.
 */
import { z } from 'zod';

import { method } from '../define';

import { RunIdSchema, SerializedErrorSchema } from './common';

export const PipelineIssueSchema = z.object({
  /** The node the problem is in; null for the document itself. */
  nodeId: z.string().nullable(),
  /** Path inside the node (config.spvit.epochs, inputs.lut) or the document (edges[2].to.port). */
  field: z.string(),
  message: z.string(),
});
export type PipelineIssue = z.infer<typeof PipelineIssueSchema>;

export const PortSpecSchema = z.object({
  name: z.string(),
  /** Port type: an edge joins an output and an input of the same type. */
  type: z.string(),
  /** Inputs only: 'conditional' ports are required by some configs (the validator says when). */
  required: z.enum(['always', 'optional', 'conditional']).optional(),
  description: z.string(),
});
export type PortSpec = z.infer<typeof PortSpecSchema>;

export const PaletteKindSchema = z.object({
  kind: z.string(),
  label: z.string(),
  summary: z.string(),
  inputs: z.array(PortSpecSchema),
  outputs: z.array(PortSpecSchema),
  /** JSON Schema (draft 2020-12) of the node's config, as the user writes it (before defaults). */
  configSchema: z.record(z.string(), z.unknown()),
  /** A config that validates, for a node fresh from the palette. */
  defaultConfig: z.record(z.string(), z.unknown()),
});
export type PaletteKind = z.infer<typeof PaletteKindSchema>;

const PositionSchema = z.object({ x: z.number(), y: z.number() });
const PortRefSchema = z.object({ node: z.string(), port: z.string() });

export const EditorNodeSchema = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string().optional(),
  position: PositionSchema.optional(),
  config: z.unknown(),
});
export type EditorNode = z.infer<typeof EditorNodeSchema>;

export const EditorEdgeSchema = z.object({ id: z.string().optional(), from: PortRefSchema, to: PortRefSchema });
export type EditorEdge = z.infer<typeof EditorEdgeSchema>;

/** The document as the editor holds it: the frame of a `.spvit.json` file, configs unchecked. */
export const EditorDocumentSchema = z.object({
  version: z.number(),
  name: z.string(),
  description: z.string().optional(),
  nodes: z.array(EditorNodeSchema),
  edges: z.array(EditorEdgeSchema),
});
export type EditorDocument = z.infer<typeof EditorDocumentSchema>;

export const PipelineFileSchema = z.object({
  /** Absolute path. */
  path: z.string(),
  /** The pipeline's own name when the file could be read, else the file name. */
  name: z.string(),
});

export const NodeRunStateSchema = z.enum(['idle', 'pending', 'running', 'done', 'reused', 'failed', 'cancelled', 'skipped']);
export type NodeRunState = z.infer<typeof NodeRunStateSchema>;

export const NodeStateEventSchema = z.object({
  runId: RunIdSchema,
  nodeId: z.string(),
  state: NodeRunStateSchema,
  /** 0..1 while running, null when the amount of work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  message: z.string(),
  error: SerializedErrorSchema.nullable(),
  durationMs: z.number().nullable(),
});
export type NodeStateEvent = z.infer<typeof NodeStateEventSchema>;

export const PipelineRunSchema = z.object({
  runId: RunIdSchema,
  /** The run folder (pipeline.json, metrics.jsonl, report.json, nodes/). */
  runDir: z.string(),
  /** The nodes this run covers, in plan order. */
  order: z.array(z.string()),
});

const RunParamsShape = {
  document: z.unknown(),
  /** The file the document came from: relative paths in it are relative to its folder. */
  path: z.string().optional(),
};

export const pipelineMethods = {
  'pipeline.palette': method({
    description: 'Node kinds with their typed ports, config forms (JSON Schema) and a default config.',
    params: z.object({}),
    result: z.object({ kinds: z.array(PaletteKindSchema), portTypes: z.array(z.string()) }),
  }),
  'pipeline.validate': method({
    description: 'Every problem of a pipeline document, each naming its node and field; plus the run order.',
    params: z.object({ document: z.unknown() }),
    result: z.object({
      issues: z.array(PipelineIssueSchema),
      /** Node ids in the order they run (topological, ties in document order). */
      order: z.array(z.string()),
    }),
  }),
  'pipeline.browse': method({
    description: 'Folders and .spvit.json files in a folder (default: the workspace the studio started in).',
    params: z.object({ dir: z.string().optional() }),
    result: z.object({
      dir: z.string(),
      parent: z.string().nullable(),
      workspace: z.string(),
      entries: z.array(z.object({ name: z.string(), path: z.string(), kind: z.enum(['folder', 'pipeline']) })),
    }),
  }),
  'pipeline.open': method({
    description: 'Reads a .spvit.json file and adds it to the recent files.',
    params: z.object({ path: z.string().min(1) }),
    result: z.object({ path: z.string(), document: EditorDocumentSchema, issues: z.array(PipelineIssueSchema) }),
  }),
  'pipeline.save': method({
    description: 'Writes a pipeline document to a .spvit.json file (refuses to replace another file unless told to).',
    params: z.object({ path: z.string().min(1), document: EditorDocumentSchema, overwrite: z.boolean().default(false) }),
    result: z.object({ path: z.string(), savedAt: z.string() }),
  }),
  'pipeline.recent': method({
    description: 'Pipeline files opened or saved lately, newest first.',
    params: z.object({}),
    result: z.object({ files: z.array(PipelineFileSchema.extend({ openedAt: z.string() })) }),
  }),
  'pipeline.run': method({
    description: 'Runs the whole pipeline as a job; nodes report their state as pipeline.nodeState events.',
    params: z.object(RunParamsShape),
    result: PipelineRunSchema,
  }),
  'pipeline.runUpTo': method({
    description: 'Runs a node and everything it depends on, as a job.',
    params: z.object({ ...RunParamsShape, nodeId: z.string().min(1) }),
    result: PipelineRunSchema,
  }),
  'pipeline.runStatus': method({
    description: 'The latest state of every node of a run (to catch up after a reconnect).',
    params: z.object({ runId: RunIdSchema }),
    result: PipelineRunSchema.extend({ nodes: z.array(NodeStateEventSchema) }),
  }),
} as const;

export const pipelineEvents = {
  'pipeline.nodeState': NodeStateEventSchema,
  /** A metric a node wrote (loss, accuracy, latency), as it is appended to the run's metrics.jsonl. */
  'pipeline.metric': z.object({
    runId: RunIdSchema,
    nodeId: z.string(),
    name: z.string(),
    value: z.number(),
    step: z.number().optional(),
    epoch: z.number().optional(),
    at: z.string(),
  }),
} as const;
