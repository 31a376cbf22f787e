/**
 * The editor's palette: every node kind of core/pipeline with its typed ports, its config form as
 * JSON Schema (derived from the zod schemas, so the form and the validator cannot disagree) and a
 * default config that validates, so a node fresh from the palette is ready to run.
 */
import { z } from 'zod';

import { NODE_CONFIG_SCHEMAS, NODE_KINDS, NODE_PORTS, PORT_TYPES } from '../../../core/pipeline';

import type { PaletteKind, PortSpec } from '../../../core/api/contracts/pipeline';
import type { DeviceKindRegistry, NodeKind } from '../../../core/pipeline';

interface KindText {
  label: string;
  summary: string;
}

const KIND_TEXT: Readonly<Record<NodeKind, KindText>> = {
  dataset: { label: 'Dataset', summary: 'Images and labels to train and evaluate on' },
  backbone: { label: 'Backbone', summary: 'A timm ViT (DeiT, PiT, Swin) and its weights' },
  device: { label: 'Target device', summary: 'The phone or board the model must be fast on' },
  'latency-table': { label: 'Latency table', summary: 'Block latency per token count: measured or analytic' },
  train: { label: 'SPViT training', summary: 'Token pruning trained to a latency budget' },
  evaluate: { label: 'Evaluation', summary: 'Accuracy, keep ratios and predicted latency' },
  export: { label: 'Export', summary: 'TFLite for phones, fixed point for the board' },
  deploy: { label: 'Deploy', summary: 'Push, run on the device, compare with the budget' },
};

/** Small, quick defaults: the bundled Fashion-MNIST sample and a tiny ViT that fits it. */
export const DEFAULT_CONFIGS: Readonly<Record<NodeKind, Record<string, unknown>>> = {
  dataset: { source: { kind: 'sample' }, input: { height: 28, width: 28, channels: 1, fit: 'pad', normalization: 'dataset' }, valFraction: 0.1, seed: 0 },
  backbone: {
    model: 'VisionTransformer',
    kwargs: { img_size: 28, patch_size: 4, in_chans: 1, num_classes: 10, embed_dim: 48, depth: 4, num_heads: 3, mlp_ratio: 4 },
  },
  device: { deviceKind: 'android' },
  'latency-table': { source: 'analytic', preset: 'mobile-cpu-little' },
  train: {
    seed: 0,
    dense: { epochs: 1, batchSize: 64, lr: 0.001, warmupEpochs: 0 },
    spvit: { epochs: 1, batchSize: 64, lr: 0.001, backboneFreezeEpochs: 0, selector: { blocks: [1, 2, 3] }, budget: { fractionOfDense: 0.7 } },
  },
  evaluate: { split: 'test', inferenceMode: 'argmax' },
  export: { format: 'tflite', precision: 'fp32', inferenceMode: 'topk' },
  deploy: { runs: 20, warmupRuns: 5, compareOutputs: true, sampleImages: 4 },
};

type JsonSchema = Record<string, unknown>;

/** The input side of a zod schema as JSON Schema, without the `$schema` header. */
export function toFormSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _header, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** A device node's form: one variant per registered device kind, told apart by `deviceKind`. */
function deviceFormSchema(deviceKinds: DeviceKindRegistry): JsonSchema {
  const variants = deviceKinds.kinds().map((kind) => {
    const spec = deviceKinds.find(kind);
    const own = spec === undefined ? {} : toFormSchema(spec.configSchema);
    const properties = (own['properties'] as JsonSchema | undefined) ?? {};
    const required = (own['required'] as string[] | undefined) ?? [];
    return {
      type: 'object',
      title: spec?.description ?? kind,
      properties: { deviceKind: { type: 'string', const: kind }, ...properties },
      required: ['deviceKind', ...required],
      additionalProperties: false,
    };
  });
  return { oneOf: variants };
}

function portSpecs(kind: NodeKind): { inputs: PortSpec[]; outputs: PortSpec[] } {
  const ports = NODE_PORTS[kind];
  return {
    inputs: Object.entries(ports.inputs).map(([name, port]) => ({ name, type: port.type, required: port.required, description: port.description })),
    outputs: Object.entries(ports.outputs).map(([name, port]) => ({ name, type: port.type, description: port.description })),
  };
}

export function buildPalette(deviceKinds: DeviceKindRegistry): { kinds: PaletteKind[]; portTypes: string[] } {
  const kinds = NODE_KINDS.map((kind): PaletteKind => ({
    kind,
    ...KIND_TEXT[kind],
    ...portSpecs(kind),
    configSchema: kind === 'device' ? deviceFormSchema(deviceKinds) : toFormSchema(NODE_CONFIG_SCHEMAS[kind]),
    defaultConfig: DEFAULT_CONFIGS[kind],
  }));
  return { kinds, portTypes: [...PORT_TYPES] };
}
