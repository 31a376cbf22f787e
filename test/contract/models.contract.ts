/**
 * models.tokenMaps over the in-memory transport: the official DeiT-T SPViT fixture reproduces its
 * reference masks exactly, our own checkpoints open with the config they carry on sample images, and
 * missing files or weights for another configuration come back as coded errors with a hint.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createClient } from '../../core/api/client';
import { contract } from '../../core/api/contract';
import { createInMemoryTransport } from '../../core/api/in-memory-transport';
import { npyToFloat32, readNpy } from '../../core/models/io/npy';
import { isStudioError } from '../../core/shared/errors';
import { saveSpvitCheckpoint } from '../../core/spvit/checkpoint';
import { createSpvitModel } from '../../core/spvit/load';
import { initTensorBackend } from '../../core/tensor/backend';
import { createBackend } from '../../electron/backend/create-backend';
import { sharedFixtures } from '../support/require-tool';

import type { Client } from '../../core/api/client';
import type { Contract } from '../../core/api/contract';
import type { StudioBackend } from '../../electron/backend/create-backend';

const FIXTURE = sharedFixtures('spvit', 'spvit-deit-tiny-224');
const TINY_CONFIG = {
  timm_class: 'VisionTransformer',
  kwargs: { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2 },
  spvit: { selector: { blocks: [1, 2] }, keepRatios: [0.7, 0.5] },
};

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; hint?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; hint?: string; message: string };
  }
  throw new Error('expected the call to fail');
}

describe('models.tokenMaps over the in-memory transport', () => {
  let work: string;
  let studio: StudioBackend;
  let client: Client<Contract>;

  beforeAll(async () => {
    await initTensorBackend({ backend: 'wasm' });
    work = mkdtempSync(join(tmpdir(), 'spvit-models-contract-'));
    studio = createBackend({ host: 'test', dataDir: join(work, 'data'), validateResults: true, tensorBackend: () => 'wasm' });
    client = createClient(contract, createInMemoryTransport(studio.backend), { validate: true });
  });

  afterAll(async () => {
    await studio?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('draws the official DeiT-T checkpoint its reference masks, argmax by default', async () => {
    const result = await client.api.models.tokenMaps({ weights: join(FIXTURE, 'model.safetensors'), config: join(FIXTURE, 'config.json'), images: { kind: 'npy', path: join(FIXTURE, 'input.npy') } });
    const masks = await readNpy(join(FIXTURE, 'masks.npy'));
    const [selectors = 0, images = 0, tokens = 0] = masks.shape;
    const expected = npyToFloat32(masks);
    expect(result.mode).toBe('argmax');
    expect(result.checkpoint).toMatchObject({ format: 'official', architecture: 'vit', selectors: 3, config: join(FIXTURE, 'config.json') });
    expect(result.inputShape).toEqual([images, 3, 224, 224]);
    expect(result.imageShape).toEqual([images, 3, 112, 112]);
    expect(result.pixels).toHaveLength(images * 3 * 112 * 112);
    expect(result.imageNames).toEqual(Array.from({ length: images }, (_, i) => `input.npy #${i + 1}`));
    expect(result.stages).toHaveLength(selectors);
    for (const stage of result.stages) {
      expect(stage.grid).toEqual([14, 14]);
      expect(stage.cellPixels).toEqual([8, 8]);
      for (let image = 0; image < images; image += 1) {
        const offset = (stage.selector * images + image) * tokens;
        expect(stage.kept[image]).toEqual(Array.from(expected.subarray(offset, offset + tokens)));
      }
    }
  });

  it('opens our checkpoint with the config it carries, on sample images fitted to the model', async () => {
    const weights = join(work, 'ours.safetensors');
    const model = createSpvitModel(TINY_CONFIG, { seed: 3 });
    await saveSpvitCheckpoint(model, weights);
    model.dispose();
    const result = await client.api.models.tokenMaps({ weights, images: { kind: 'sample', count: 3 }, mode: 'topk' });
    expect(result.checkpoint).toMatchObject({ format: 'studio', config: null, selectors: 2 });
    expect(result.mode).toBe('topk');
    expect(result.imageShape).toEqual([3, 1, 28, 28]);
    expect(result.imageNames).toEqual(result.labels.map((label) => result.classNames[label]));
    // Top-k keeps each selector's share of the 16 tokens, cumulatively.
    expect(result.stages.map((stage) => stage.kept.map((row) => row.reduce((a, b) => a + b, 0)))).toEqual([
      [11, 11, 11],
      [8, 8, 8],
    ]);
  });

  it('finds the config.json beside official weights and says when there is none', async () => {
    const withConfig = await client.api.models.tokenMaps({ weights: join(FIXTURE, 'model.safetensors'), images: { kind: 'npy', path: join(FIXTURE, 'input.npy') } });
    expect(withConfig.checkpoint.config).toBe(join(FIXTURE, 'config.json'));
    const alone = join(work, 'alone');
    mkdirSync(alone);
    symlinkSync(join(FIXTURE, 'model.safetensors'), join(alone, 'model.safetensors'));
    const error = await rejection(client.api.models.tokenMaps({ weights: join(alone, 'model.safetensors'), images: { kind: 'sample' } }));
    expect(isStudioError(error, 'input/not-found')).toBe(true);
    expect(error.message).toContain('no config.json beside it');
    expect(error.hint).toContain('official SPViT checkpoints never carry one');
  });

  it('answers a missing weights file with input/not-found and a hint', async () => {
    const error = await rejection(client.api.models.tokenMaps({ weights: join(work, 'nowhere.safetensors'), config: join(FIXTURE, 'config.json'), images: { kind: 'sample' } }));
    expect(isStudioError(error, 'input/not-found')).toBe(true);
    expect(error.message).toContain('nowhere.safetensors');
    expect(error.hint).toBeTruthy();
  });

  it('answers weights saved for another configuration with model/weights-mismatch naming the keys', async () => {
    const official = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as { kwargs: Record<string, unknown> };
    const config = join(work, 'wider.json');
    writeFileSync(config, JSON.stringify({ ...official, kwargs: { ...official.kwargs, embed_dim: 96 } }));
    const error = await rejection(client.api.models.tokenMaps({ weights: join(FIXTURE, 'model.safetensors'), config, images: { kind: 'npy', path: join(FIXTURE, 'input.npy') } }));
    expect(isStudioError(error, 'model/weights-mismatch')).toBe(true);
    expect(error.message).toContain('pos_embed');
    expect(error.hint).toContain('check the config');
  });
});
