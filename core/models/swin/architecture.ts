/** Swin as the registry sees it: timm class `SwinTransformer` and the `swin_*` model names. */
import { StudioError } from '../../shared/errors';

import { parseSwinConfig, SWIN_PRESETS, swinConfigFromTimm } from './config';
import { swinCost } from './cost';
import { SwinTransformer } from './model';

import type { Architecture, TimmPreset } from '../architecture';

const TIMM_CLASS = 'SwinTransformer';

export const swinArchitecture: Architecture = {
  id: 'swin',
  timmClasses: [TIMM_CLASS],
  timmModels: Object.fromEntries(Object.entries(SWIN_PRESETS).map(([name, kwargs]): [string, TimmPreset] => [name, { timmClass: TIMM_CLASS, kwargs }])),
  specFromTimm(timmClass, kwargs) {
    if (timmClass !== TIMM_CLASS) {
      throw new StudioError('model/unsupported', `The Swin architecture builds ${TIMM_CLASS}, not '${timmClass}'.`, { hint: `Use timm_class '${TIMM_CLASS}'.` });
    }
    return { architecture: 'swin', config: swinConfigFromTimm(kwargs) };
  },
  create(spec, options = {}) {
    return new SwinTransformer({ config: parseSwinConfig(spec.config), ...(options.seed === undefined ? {} : { seed: options.seed }) });
  },
  cost(spec, options = {}) {
    return swinCost(parseSwinConfig(spec.config), options);
  },
};
