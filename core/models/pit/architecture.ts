/** PiT as the registry sees it: timm class `PoolingVisionTransformer` and the `pit_*` model names. */
import { StudioError } from '../../shared/errors';

import { parsePitConfig, PIT_PRESETS, pitConfigFromTimm } from './config';
import { pitCost } from './cost';
import { PoolingVisionTransformer } from './model';

import type { Architecture, TimmPreset } from '../architecture';

const TIMM_CLASS = 'PoolingVisionTransformer';

export const pitArchitecture: Architecture = {
  id: 'pit',
  timmClasses: [TIMM_CLASS],
  timmModels: Object.fromEntries(Object.entries(PIT_PRESETS).map(([name, kwargs]): [string, TimmPreset] => [name, { timmClass: TIMM_CLASS, kwargs }])),
  specFromTimm(timmClass, kwargs) {
    if (timmClass !== TIMM_CLASS) {
      throw new StudioError('model/unsupported', `The PiT architecture builds ${TIMM_CLASS}, not '${timmClass}'.`, { hint: `Use timm_class '${TIMM_CLASS}'.` });
    }
    return { architecture: 'pit', config: pitConfigFromTimm(kwargs) };
  },
  create(spec, options = {}) {
    return new PoolingVisionTransformer({ config: parsePitConfig(spec.config), ...(options.seed === undefined ? {} : { seed: options.seed }) });
  },
  cost(spec, options = {}) {
    return pitCost(parsePitConfig(spec.config), options);
  },
};
