/**
 * Checks across nodes that the schema cannot see: the backbone resolves to a model the studio
 * builds, and a training node's dataset fits its backbone (input size, channels, classes).
 */
import { isStudioError } from '../shared/errors';
import { specFromTimm } from '../models/registry';
import { lutModelShapeFromSpec } from '../latency/model-shape';

import type { LutModelShape } from '../latency/lut-schema';
import type { PipelineIssue } from './issues';
import type { Pipeline, PipelineNode } from './schema';

/** Classes of the datasets whose class count is known without reading them. */
const KNOWN_CLASSES: Record<string, number> = { sample: 10, 'fashion-mnist': 10, mnist: 10, cifar10: 10 };

export function resolveBackboneShape(node: PipelineNode<'backbone'>): { shape: LutModelShape } | { issue: PipelineIssue } {
  try {
    const spec = specFromTimm(node.config.model, node.config.kwargs);
    return { shape: lutModelShapeFromSpec(spec, node.config.model) };
  } catch (error) {
    if (!isStudioError(error)) throw error;
    return { issue: { nodeId: node.id, field: 'config.model', message: error.message } };
  }
}

function upstream(pipeline: Pipeline, nodeId: string, port: string): PipelineNode | undefined {
  const edge = pipeline.edges.find((e) => e.to.node === nodeId && e.to.port === port);
  return edge === undefined ? undefined : pipeline.nodes.find((n) => n.id === edge.from.node);
}

export function semanticIssues(pipeline: Pipeline): PipelineIssue[] {
  const issues: PipelineIssue[] = [];
  const shapes = new Map<string, LutModelShape>();
  for (const node of pipeline.nodes) {
    if (node.kind !== 'backbone') continue;
    const resolved = resolveBackboneShape(node);
    if ('issue' in resolved) issues.push(resolved.issue);
    else shapes.set(node.id, resolved.shape);
  }
  for (const node of pipeline.nodes) {
    if (node.kind !== 'train') continue;
    const dataset = upstream(pipeline, node.id, 'dataset');
    const backbone = upstream(pipeline, node.id, 'backbone');
    const shape = backbone === undefined ? undefined : shapes.get(backbone.id);
    if (dataset?.kind !== 'dataset' || shape === undefined) continue;
    const { input, source } = dataset.config;
    if (shape.imgSize !== undefined && (input.height !== shape.imgSize || input.width !== shape.imgSize)) {
      issues.push({ nodeId: dataset.id, field: 'config.input', message: `input ${input.height}x${input.width} does not match the backbone '${backbone?.id}' img_size ${shape.imgSize} (used by '${node.id}')` });
    }
    if (shape.inChans !== undefined && input.channels !== shape.inChans) {
      issues.push({ nodeId: dataset.id, field: 'config.input.channels', message: `${input.channels} channel(s), but the backbone '${backbone?.id}' takes in_chans ${shape.inChans}` });
    }
    const classes = KNOWN_CLASSES[source.kind];
    if (classes !== undefined && shape.numClasses !== undefined && shape.numClasses !== classes) {
      issues.push({ nodeId: backbone?.id ?? null, field: 'config.kwargs.num_classes', message: `the dataset '${dataset.id}' has ${classes} classes, the backbone ${shape.numClasses}` });
    }
    const blocks = node.config.spvit?.selector.blocks;
    if (blocks !== undefined) {
      const depth = shape.stages.length === 1 ? shape.depth : null;
      blocks.forEach((block, i) => {
        if (depth === null) {
          issues.push({ nodeId: node.id, field: `config.spvit.selector.blocks`, message: `${shape.arch} has stages: give selector.positions (stage, block) instead of blocks` });
        } else if (block < 0 || block >= depth || (i > 0 && block <= (blocks[i - 1] ?? -1))) {
          issues.push({ nodeId: node.id, field: `config.spvit.selector.blocks[${i}]`, message: `selector blocks must increase within 0..${depth - 1} (depth ${depth})` });
        }
      });
    }
    const ratios = node.config.spvit?.keepRatios;
    const selectors = blocks?.length ?? node.config.spvit?.selector.positions?.length;
    if (ratios !== undefined && selectors !== undefined && ratios.length !== selectors) {
      issues.push({ nodeId: node.id, field: 'config.spvit.keepRatios', message: `${ratios.length} keep ratios for ${selectors} selectors` });
    }
  }
  return issues;
}
