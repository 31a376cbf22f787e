/**
 * The layer-to-phase search (spec Part A) for a train node with `spvit.phaseSearch`: core/latency's
 * driver decides where selectors go and how much each keeps; each of its trials here is a real
 * short SPViT fine-tune from the dense weights, scored by pruned validation accuracy.
 */
import { StudioError } from '../../shared/errors';
import { resolveBudgetMs } from '../../latency/budget';
import { runPhaseSearch } from '../../latency/layer-to-phase';
import { flatSelectors, layoutFromModel } from '../../latency/layout';
import { readLut } from '../../latency/lut-io';

import { refusePhaseSearch } from './train-from-checkpoint';

import type { PhaseTrial } from '../../latency/layer-to-phase';
import type { Jsonable } from '../../shared/jsonable';
import type { ExecutorContext } from '../executors';
import type { SpvitTrainingConfig } from '../node-configs';
import type { BackboneValue, LatencyTableValue } from '../port-values';

export interface PhaseSearchHooks {
  /** Validation accuracy of the dense model (the search's baseline). */
  baseline: () => Promise<number>;
  /** A short SPViT fine-tune with these selectors and targets; its pruned validation accuracy and ratios. */
  trial: (trial: PhaseTrial, index: number) => Promise<{ accuracy: number; keepRatios: number[] }>;
}

export interface PhaseSearchOutcome {
  blocks: number[];
  targets: number[];
  budgetMs: number;
}

export async function searchPhases(context: ExecutorContext<'train'>, lut: LatencyTableValue | undefined, hooks: PhaseSearchHooks): Promise<PhaseSearchOutcome> {
  const config = context.node.config.spvit as SpvitTrainingConfig;
  refusePhaseSearch(config, context.inputs['backbone'] as BackboneValue | undefined);
  const search = config.phaseSearch;
  if (search === undefined || lut === undefined || config.budget === undefined) {
    throw new StudioError('input/invalid', 'The layer-to-phase search needs a latency table and a latency budget.', {
      details: { nodeId: context.node.id, field: 'config.spvit.phaseSearch' },
      hint: 'Connect a latency-table node and give spvit.budget, or remove phaseSearch.',
    });
  }
  const table = await readLut(lut.path);
  const budgetMs = resolveBudgetMs(config.budget, table, layoutFromModel(table.model, flatSelectors([])));
  let index = 0;
  const result = await runPhaseSearch({
    lut: table,
    budgetMs,
    maxAccuracyDrop: search.maxAccuracyDrop,
    mergeTolerance: search.mergeTolerance,
    minKeepRatio: config.minKeepRatio,
    signal: context.signal,
    fineTune: async (trial) => {
      if (trial.selectorBlocks.length === 0) return { accuracy: await hooks.baseline() };
      const outcome = await hooks.trial(trial, index);
      index += 1;
      return { accuracy: outcome.accuracy, realisedKeepRatios: outcome.keepRatios };
    },
    onEvent: (event) => {
      if (event.kind === 'trial') {
        context.metrics.write({ name: 'spvit/phase-search/accuracy', value: event.result.accuracy, extra: { purpose: event.trial.purpose, blocks: event.trial.selectorBlocks, keepRatios: event.trial.keepRatios } as { [key: string]: Jsonable } });
        context.progress(null, `phase search: ${event.trial.purpose} blocks [${event.trial.selectorBlocks.join(', ')}] keep [${event.trial.keepRatios.map((r) => r.toFixed(2)).join(', ')}] -> ${(event.result.accuracy * 100).toFixed(2)}%`);
      }
    },
  });
  return { blocks: result.selectorBlocks, targets: result.keepRatios, budgetMs };
}
