/**
 * Official selector key names (`score_predictor.{k}.*` of vit_l2_3keep_senet.py) and ours
 * (`selectors.{k}.*`, see ../selector.ts). The official per-head modules are one module repeated,
 * so its state dict holds H identical copies under `in_conv.{i}` / `out_conv.{i}`.
 */
import { StudioError } from '../../shared/errors';
import { sameShape } from '../../tensor/host-tensor';

import type { HostTensor } from '../../tensor/host-tensor';

/** [official module path inside one head, our scorer layer name]. */
const SCORER_LAYERS: ReadonlyArray<readonly [string, string, string]> = [
  ['in_conv', '0', 'norm'],
  ['in_conv', '1', 'proj'],
  ['out_conv', '0', 'fc1'],
  ['out_conv', '2', 'fc2'],
  ['out_conv', '4', 'fc3'],
];
const GATE_LAYERS: ReadonlyArray<readonly [string, string]> = [
  ['senet.0', 'fc1'],
  ['senet.2', 'fc2'],
];
const SUFFIXES = ['weight', 'bias'] as const;

/** One of our keys and the official keys it is read from (several when they must be identical copies). */
export interface SelectorKeyMapping {
  ours: string;
  official: string[];
}

export interface SelectorKeyOptions {
  selectorCount: number;
  numHeads: number;
  sharedHeadWeights: boolean;
}

export function officialSelectorKeyMappings(options: SelectorKeyOptions): SelectorKeyMapping[] {
  const mappings: SelectorKeyMapping[] = [];
  const heads = [...Array(options.numHeads).keys()];
  for (let k = 0; k < options.selectorCount; k++) {
    const official = `score_predictor.${k}`;
    const ours = `selectors.${k}`;
    // With one head the official senet has zero-width layers whose output cancels; we have no gate then.
    for (const [path, name] of options.numHeads > 1 ? GATE_LAYERS : []) {
      for (const suffix of SUFFIXES) mappings.push({ ours: `${ours}.gate.${name}.${suffix}`, official: [`${official}.${path}.${suffix}`] });
    }
    for (const [module, index, name] of SCORER_LAYERS) {
      for (const suffix of SUFFIXES) {
        const sources = heads.map((h) => `${official}.${module}.${h}.${index}.${suffix}`);
        if (options.sharedHeadWeights) {
          mappings.push({ ours: `${ours}.scorer.${name}.${suffix}`, official: sources });
        } else {
          heads.forEach((h) => mappings.push({ ours: `${ours}.scorer.${h}.${name}.${suffix}`, official: [sources[h] as string] }));
        }
      }
    }
  }
  return mappings;
}

function identical(a: HostTensor, b: HostTensor): boolean {
  if (!sameShape(a.shape, b.shape)) return false;
  for (let i = 0; i < a.data.length; i++) {
    // Bitwise equality, NaN included: copies of one module are the same bytes.
    if (!Object.is(a.data[i], b.data[i])) return false;
  }
  return true;
}

/**
 * Picks one tensor for a shared mapping after checking that every copy is present and identical.
 * Returns null when all copies are absent (reported as missing by the caller).
 */
export function resolveSharedCopies(mapping: SelectorKeyMapping, tensors: ReadonlyMap<string, HostTensor>): HostTensor | null {
  const present = mapping.official.filter((key) => tensors.has(key));
  if (present.length === 0) return null;
  const first = tensors.get(present[0] as string) as HostTensor;
  const absent = mapping.official.filter((key) => !tensors.has(key));
  const differing = present.filter((key) => !identical(first, tensors.get(key) as HostTensor));
  if (absent.length > 0 || differing.length > 0) {
    throw new StudioError('model/weights-mismatch', `The selector weights for '${mapping.ours}' are not shared across heads: ${[...absent.map((k) => `${k} is missing`), ...differing.map((k) => `${k} differs from ${present[0]}`)].join('; ')}.`, {
      details: { key: mapping.ours, missing: absent, differing },
      hint: 'This checkpoint has independent per-head selector weights; import it with sharedHeadWeights: false.',
    });
  }
  return first;
}
