/**
 * What travels along each port type: plain JSON, recorded in report.json so a resumed run can hand
 * it to the next node without redoing the work. Heavy things (weights, tables) travel as paths.
 */
import { z } from 'zod';

import { DatasetSpecSchema } from '../data/spec';
import { InputConfigSchema } from '../data/input-config';
import { LutModelShapeSchema } from '../latency/lut-schema';

import type { PortType } from './ports';

export const DatasetValueSchema = z.object({
  /** The spec with relative paths resolved. */
  source: DatasetSpecSchema,
  input: InputConfigSchema,
  valFraction: z.number(),
  seed: z.number().int(),
  trainLimit: z.number().int().optional(),
  testLimit: z.number().int().optional(),
  classNames: z.array(z.string()),
  counts: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  /** True when the test split is the source's own (false: validation stands in). */
  hasOwnTest: z.boolean(),
  stats: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
});
export type DatasetValue = z.infer<typeof DatasetValueSchema>;

export const BackboneValueSchema = z.object({
  /** As given in the node: a timm model or class name and kwargs. */
  model: z.string(),
  kwargs: z.record(z.string(), z.unknown()),
  /** The registry's spec (architecture + normalised config): `createModel(spec)` builds it. */
  spec: z.object({ architecture: z.string(), config: z.record(z.string(), z.unknown()) }),
  shape: LutModelShapeSchema,
  /** Absolute path of pretrained weights, or null. */
  weights: z.string().nullable(),
  /**
   * Set when `weights` is an SPViT checkpoint: its SPViT settings (core/spvit SpvitSettings), whether
   * it has the official key names, and the absolute path of the config read (null: the file's own).
   */
  spvit: z.object({ settings: z.record(z.string(), z.unknown()), official: z.boolean(), config: z.string().nullable() }).nullable().optional(),
});
export type BackboneValue = z.infer<typeof BackboneValueSchema>;

export const DeviceValueSchema = z.looseObject({ deviceKind: z.string(), id: z.string() });
export type DeviceValue = z.infer<typeof DeviceValueSchema>;

export const LatencyTableValueSchema = z.object({
  /** Absolute path of the LUT JSON in the run folder. */
  path: z.string(),
  source: z.enum(['device', 'file', 'analytic']),
  deviceId: z.string(),
  /** LUT-predicted latency of the backbone without selectors. */
  denseMs: z.number(),
});
export type LatencyTableValue = z.infer<typeof LatencyTableValueSchema>;

/** Written by the trainer; these fields are the contract, more may follow. */
export const ModelValueSchema = z.looseObject({ dir: z.string(), weightsPath: z.string() });
export const EvaluationValueSchema = z.looseObject({ accuracy: z.number() });
export const ArtifactValueSchema = z.looseObject({ path: z.string(), format: z.string() });
export const DeploymentValueSchema = z.looseObject({ deviceId: z.string() });

export const PORT_VALUE_SCHEMAS: Readonly<Record<PortType, z.ZodType>> = {
  dataset: DatasetValueSchema,
  backbone: BackboneValueSchema,
  device: DeviceValueSchema,
  'latency-table': LatencyTableValueSchema,
  model: ModelValueSchema,
  evaluation: EvaluationValueSchema,
  artifact: ArtifactValueSchema,
  deployment: DeploymentValueSchema,
};
