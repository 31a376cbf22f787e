/**
 * Official `VisionTransformerDiffPruning` state dict -> our keys. Backbone keys are timm's and pass
 * through; `score_predictor.{k}.*` become `selectors.{k}.*` (official/selector-keys.ts).
 */
import { officialSelectorKeyMappings, resolveSharedCopies } from './selector-keys';

import type { HostTensor } from '../../tensor/host-tensor';
import type { SelectorKeyOptions } from './selector-keys';

export interface ConvertedStateDict {
  /** Our key -> tensor. */
  tensors: Map<string, HostTensor>;
  /** Our key -> the official key(s) it came from, for messages. */
  sourceKeyOf: (key: string) => string;
  /** Official selector keys that no mapping consumed (e.g. a fourth selector). */
  untranslated: string[];
}

const SELECTOR_PREFIX = 'score_predictor.';

export function convertOfficialStateDict(official: ReadonlyMap<string, HostTensor>, options: SelectorKeyOptions): ConvertedStateDict {
  const tensors = new Map<string, HostTensor>();
  const sources = new Map<string, string>();
  for (const [key, tensor] of official) if (!key.startsWith(SELECTOR_PREFIX)) tensors.set(key, tensor);
  const consumed = new Set<string>();
  for (const mapping of officialSelectorKeyMappings(options)) {
    mapping.official.forEach((key) => consumed.add(key));
    sources.set(mapping.ours, mapping.official.length === 1 ? (mapping.official[0] as string) : `${mapping.official[0]} (and its per-head copies)`);
    const tensor = options.sharedHeadWeights ? resolveSharedCopies(mapping, official) : (official.get(mapping.official[0] as string) ?? null);
    if (tensor !== null) tensors.set(mapping.ours, tensor);
  }
  const ignored = (key: string): boolean => options.numHeads === 1 && /^score_predictor\.\d+\.senet\./.test(key);
  const untranslated = [...official.keys()].filter((key) => key.startsWith(SELECTOR_PREFIX) && !consumed.has(key) && !ignored(key));
  return { tensors, sourceKeyOf: (key) => sources.get(key) ?? key, untranslated };
}
