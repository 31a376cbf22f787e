/**
 * One backbone family as the registry sees it. Adding an architecture is one file that exports an
 * `Architecture` and one line in architectures.ts.
 */
import type { Jsonable } from '../shared/jsonable';
import type { CostOptions, ModelCost } from './flops';
import type { BackboneModel } from './model';

/** A built model's identity: the architecture id and its normalised config (JSON, camelCase). */
export interface ModelSpec {
  architecture: string;
  config: { [key: string]: Jsonable };
}

export interface TimmPreset {
  /** The timm class the model name builds, e.g. 'VisionTransformerDistilled'. */
  timmClass: string;
  /** Constructor arguments timm's model function sets (snake_case, as in timm). */
  kwargs: Record<string, Jsonable>;
}

export interface CreateModelOptions {
  /** Seed of the random initial weights (timm's init scheme); the same seed gives the same weights. */
  seed?: number;
}

export interface Architecture {
  /** 'vit', 'pit', 'swin'. */
  id: string;
  /** timm class names whose constructor kwargs this architecture reads. */
  timmClasses: readonly string[];
  /** timm model names (`timm.create_model` names) this architecture provides. */
  timmModels: Readonly<Record<string, TimmPreset>>;
  /**
   * Reads timm constructor kwargs (snake_case) into a spec. Throws model/invalid-config for bad
   * values and model/unsupported for timm options the studio does not implement, naming them.
   */
  specFromTimm(timmClass: string, kwargs: Readonly<Record<string, unknown>>): ModelSpec;
  /** Builds a model with seeded random weights. */
  create(spec: ModelSpec, options?: CreateModelOptions): BackboneModel;
  /** Parameter and MAC counts, dense or for given tokens per block. */
  cost(spec: ModelSpec, options?: CostOptions): ModelCost;
}
