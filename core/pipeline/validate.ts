/**
 * Pipeline validation: frame, node configs, ports and edges, required inputs, cycles, and the
 * cross-node checks. Every problem names the node id and field; all are collected, not just the first.
 */
import { createDeviceKindRegistry } from './device-kinds';
import { findCycle, topologicalOrder } from './graph';
import { invalidPipeline, zodIssues } from './issues';
import { NODE_CONFIG_SCHEMAS } from './node-configs';
import { NODE_PORTS } from './ports';
import { PipelineDocumentSchema } from './schema';
import { semanticIssues } from './semantic-checks';

import type { DeviceKindRegistry } from './device-kinds';
import type { PipelineIssue } from './issues';
import type { NodeKind } from './ports';
import type { Pipeline, PipelineEdge, PipelineNode } from './schema';

export interface ValidateOptions {
  deviceKinds?: DeviceKindRegistry;
  /** Names the document in error messages (a file path). */
  origin?: string;
  /** Check that backbones resolve and datasets fit them (default true). */
  crossChecks?: boolean;
}

export interface PipelineCheck {
  pipeline: Pipeline | null;
  issues: PipelineIssue[];
}

function rawNodeId(json: unknown, index: number): string | null {
  const nodes = (json as { nodes?: unknown } | null)?.nodes;
  const id = Array.isArray(nodes) ? (nodes[index] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' ? id : null;
}

function parseConfig(kind: NodeKind, id: string, config: unknown, deviceKinds: DeviceKindRegistry): { value?: unknown; issues: PipelineIssue[] } {
  const parsed = NODE_CONFIG_SCHEMAS[kind].safeParse(config);
  if (!parsed.success) return { issues: zodIssues(parsed.error, id, 'config') };
  if (kind !== 'device') return { value: parsed.data, issues: [] };
  const { deviceKind, ...rest } = parsed.data as { deviceKind: string };
  const spec = deviceKinds.find(deviceKind);
  if (spec === undefined) {
    return { issues: [{ nodeId: id, field: 'config.deviceKind', message: `unknown device kind '${deviceKind}' (known: ${deviceKinds.kinds().join(', ')})` }] };
  }
  const own = spec.configSchema.safeParse(rest);
  if (!own.success) return { issues: zodIssues(own.error, id, 'config') };
  return { value: { deviceKind, ...(own.data as object) }, issues: [] };
}

/** Inputs a node must have connected, given its config. */
export function requiredInputs(node: PipelineNode): string[] {
  const ports = NODE_PORTS[node.kind].inputs;
  const required = Object.entries(ports).filter(([, port]) => port.required === 'always').map(([name]) => name);
  if (node.kind === 'latency-table' && node.config.source === 'device') required.push('device');
  if (node.kind === 'train') {
    const spvit = node.config.spvit;
    if (spvit !== undefined && (spvit.budget !== undefined || spvit.phaseSearch !== undefined || spvit.loss.latencyHinge > 0)) required.push('lut');
  }
  return required;
}

function edgeIssues(nodes: readonly PipelineNode[], edges: readonly PipelineEdge[]): PipelineIssue[] {
  const issues: PipelineIssue[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const taken = new Map<string, number>();
  edges.forEach((edge, i) => {
    const from = byId.get(edge.from.node);
    const to = byId.get(edge.to.node);
    const owner = to?.id ?? from?.id ?? null;
    if (from === undefined) issues.push({ nodeId: owner, field: `edges[${i}].from.node`, message: `no node '${edge.from.node}'` });
    if (to === undefined) issues.push({ nodeId: owner, field: `edges[${i}].to.node`, message: `no node '${edge.to.node}'` });
    if (from === undefined || to === undefined) return;
    const out = NODE_PORTS[from.kind].outputs[edge.from.port];
    const input = NODE_PORTS[to.kind].inputs[edge.to.port];
    if (out === undefined) {
      issues.push({ nodeId: from.id, field: `edges[${i}].from.port`, message: `a ${from.kind} node has no output '${edge.from.port}' (outputs: ${Object.keys(NODE_PORTS[from.kind].outputs).join(', ') || 'none'})` });
    }
    if (input === undefined) {
      issues.push({ nodeId: to.id, field: `edges[${i}].to.port`, message: `a ${to.kind} node has no input '${edge.to.port}' (inputs: ${Object.keys(NODE_PORTS[to.kind].inputs).join(', ') || 'none'})` });
    }
    if (out !== undefined && input !== undefined && out.type !== input.type) {
      issues.push({ nodeId: to.id, field: `edges[${i}]`, message: `type mismatch: '${from.id}.${edge.from.port}' gives ${out.type}, '${to.id}.${edge.to.port}' takes ${input.type}` });
    }
    if (from.id === to.id) issues.push({ nodeId: to.id, field: `edges[${i}]`, message: 'an edge from a node to itself' });
    const key = `${to.id}.${edge.to.port}`;
    const first = taken.get(key);
    if (first !== undefined) {
      issues.push({ nodeId: to.id, field: `edges[${i}].to.port`, message: `input '${edge.to.port}' is already connected by edges[${first}]` });
    } else {
      taken.set(key, i);
    }
  });
  for (const node of nodes) {
    for (const port of requiredInputs(node)) {
      if (!taken.has(`${node.id}.${port}`)) {
        const type = NODE_PORTS[node.kind].inputs[port]?.type ?? port;
        issues.push({ nodeId: node.id, field: `inputs.${port}`, message: `missing required input '${port}' (connect a ${type} output)` });
      }
    }
  }
  return issues;
}

/** All problems of a pipeline document; `pipeline` is set when there are none. */
export function checkPipeline(json: unknown, options: ValidateOptions = {}): PipelineCheck {
  const frame = PipelineDocumentSchema.safeParse(json);
  if (!frame.success) {
    const issues = frame.error.issues.map((issue) => {
      const [head, index, ...rest] = issue.path;
      if (head === 'nodes' && typeof index === 'number') {
        return zodIssues({ issues: [{ ...issue, path: rest }] } as never, rawNodeId(json, index), '')[0] as PipelineIssue;
      }
      return zodIssues({ issues: [issue] } as never, null, '')[0] as PipelineIssue;
    });
    return { pipeline: null, issues };
  }
  const deviceKinds = options.deviceKinds ?? createDeviceKindRegistry();
  const issues: PipelineIssue[] = [];
  const nodes: PipelineNode[] = [];
  const seen = new Set<string>();
  for (const frameNode of frame.data.nodes) {
    if (seen.has(frameNode.id)) issues.push({ nodeId: frameNode.id, field: 'id', message: `duplicate node id '${frameNode.id}'` });
    seen.add(frameNode.id);
    const parsed = parseConfig(frameNode.kind, frameNode.id, frameNode.config, deviceKinds);
    issues.push(...parsed.issues);
    if (parsed.issues.length === 0) nodes.push({ ...frameNode, config: parsed.value } as PipelineNode);
  }
  if (issues.length > 0) return { pipeline: null, issues };
  issues.push(...edgeIssues(nodes, frame.data.edges));
  const { blocked } = topologicalOrder(nodes.map((n) => n.id), frame.data.edges);
  if (blocked.length > 0) {
    const cycle = findCycle(blocked, frame.data.edges);
    issues.push({ nodeId: cycle[0] ?? null, field: 'edges', message: `cycle: ${cycle.join(' -> ')}` });
  }
  const { $schema: _schema, ...document } = frame.data;
  const pipeline: Pipeline = { ...document, nodes } as Pipeline;
  if (issues.length === 0 && options.crossChecks !== false) issues.push(...semanticIssues(pipeline));
  return issues.length === 0 ? { pipeline, issues } : { pipeline: null, issues };
}

/** The validated pipeline, or a StudioError 'input/invalid' whose details list {nodeId, field, message}. */
export function validatePipeline(json: unknown, options: ValidateOptions = {}): Pipeline {
  const { pipeline, issues } = checkPipeline(json, options);
  if (pipeline === null) throw invalidPipeline(issues, options.origin ?? 'The pipeline');
  return pipeline;
}
