/**
 * models.*: a checkpoint opened from files (ours or the official SPViT), run on chosen images, with
 * the tokens each selector kept per image.
 */
import { StudioError } from '../../../core/shared/errors';
import { tokenMaps } from '../../../core/spvit/token-map';
import { initTensorBackend } from '../../../core/tensor/backend';

import { openCheckpoint } from './models-checkpoint';
import { displayImages, readCheckpointImages } from './models-images';

import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

export function modelsHandlers(deps: BackendDeps): BackendHandlers<'models.tokenMaps'> {
  return {
    'models.tokenMaps': async ({ weights, config, images, mode }) => {
      const backend = deps.tensorBackend();
      await initTensorBackend(backend === null ? {} : { backend });
      const opened = await openCheckpoint(weights, config);
      try {
        const batch = await readCheckpointImages(images, opened.model.inputShape);
        if (batch.names.length === 0) throw new StudioError('input/invalid', 'There are no images to run the model on.', { hint: 'Give a batch with at least one image.' });
        const maps = tokenMaps(opened.model, batch.images, { mode });
        const display = displayImages(batch.images);
        return {
          ...maps,
          stages: maps.stages.map((stage) => ({ ...stage, cellPixels: [stage.cellPixels[0] / display.factor, stage.cellPixels[1] / display.factor] as [number, number] })),
          labels: batch.labels,
          classNames: batch.classNames,
          imageShape: [...display.image.shape],
          // Three decimals draw the same picture at under half the JSON.
          pixels: Array.from(display.image.data, (value) => Math.round(value * 1000) / 1000),
          inputShape: [...batch.images.shape],
          imageNames: batch.names,
          checkpoint: { weights, config: opened.configPath, format: opened.format, architecture: opened.model.backbone.architecture, selectors: opened.model.selectors.length },
        };
      } finally {
        opened.model.dispose();
      }
    },
  };
}
