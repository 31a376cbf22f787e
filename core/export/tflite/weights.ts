/**
 * The weights a graph is written with, read from a tfjs model's parameters in timm's layout (which
 * for linear layers is also TFLite's FULLY_CONNECTED layout, [out, in]).
 */
import { StudioError } from '../../shared/errors';
import { internalToTimm } from '../../tensor/parameters';

import type { HostTensor } from '../../tensor/host-tensor';
import type { ParameterEntry } from '../../tensor/parameters';

export class WeightTable {
  readonly #tensors: Map<string, HostTensor>;

  constructor(tensors: Map<string, HostTensor>) {
    this.#tensors = tensors;
  }

  /** Copies every parameter to host memory. */
  static fromParameters(entries: readonly ParameterEntry[]): WeightTable {
    return new WeightTable(new Map(entries.map((entry) => [entry.key, internalToTimm(entry)])));
  }

  /** Both tables' tensors (the second wins on a shared key). */
  static merge(first: WeightTable, second: WeightTable): WeightTable {
    return new WeightTable(new Map([...first.#tensors, ...second.#tensors]));
  }

  has(key: string): boolean {
    return this.#tensors.has(key);
  }

  get(key: string): HostTensor {
    const tensor = this.#tensors.get(key);
    if (tensor === undefined) {
      throw new StudioError('export/failed', `The model has no parameter '${key}' to export.`, {
        details: { key },
        hint: 'The model and its exporter disagree on the parameter names; export a model built by the studio.',
      });
    }
    return tensor;
  }

  /** null when absent (optional biases). */
  maybe(key: string): HostTensor | null {
    return this.#tensors.get(key) ?? null;
  }
}
