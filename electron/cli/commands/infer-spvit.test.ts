import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { npyToFloat32, readNpy } from '../../../core/models/io/npy';
import { sharedFixtures } from '../../../test/support/require-tool';
import { runCli } from '../main';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spvit-infer-spvit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli(argv, { stdout, stderr, signal: new AbortController().signal });
  return { code, stdout: out, stderr: err };
}

describe('spvit infer with an official SPViT checkpoint', () => {
  const folder = sharedFixtures('spvit', 'spvit-s2');
  const base = ['infer', '--config', join(folder, 'config.json'), '--weights', join(folder, 'model.safetensors'), '--input', join(folder, 'input.npy'), '--backend', 'wasm'];

  it('writes the official logits and the keep masks [stages, batch, tokens] (argmax, tokens removed)', async () => {
    const out = join(dir, 'logits.npy');
    const masksOut = join(dir, 'masks.npy');
    const result = await cli([...base, '--out', out, '--mode', 'argmax', '--masks-out', masksOut]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/spvit-vit argmax: 2 image\(s\)/);
    const ours = npyToFloat32(await readNpy(out));
    const official = npyToFloat32(await readNpy(join(folder, 'logits.npy')));
    const scale = Math.max(...Array.from(official, Math.abs));
    expect(Math.max(...Array.from(ours, (v, i) => Math.abs(v - official[i]!))) / scale).toBeLessThan(1e-4);
    const masks = await readNpy(masksOut);
    const expected = await readNpy(join(folder, 'masks.npy'));
    expect(masks.shape).toEqual([3, 2, 196]);
    expect(Array.from(npyToFloat32(masks))).toEqual(Array.from(npyToFloat32(expected)));
  });

  it('runs topk and stochastic, masked or removed, and rejects masks for plain backbones', async () => {
    for (const mode of ['topk', 'stochastic']) {
      const removed = join(dir, `${mode}-removed.npy`);
      const masked = join(dir, `${mode}-masked.npy`);
      expect((await cli([...base, '--out', removed, '--mode', mode, '--seed', '3'])).code).toBe(0);
      expect((await cli([...base, '--out', masked, '--mode', mode, '--seed', '3', '--masked'])).code).toBe(0);
      const a = npyToFloat32(await readNpy(removed));
      const b = npyToFloat32(await readNpy(masked));
      const scale = Math.max(...Array.from(b, Math.abs));
      expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!))) / scale).toBeLessThan(1e-4);
    }
    const timm = sharedFixtures('timm', 'vit-tiny-custom');
    const plain = await cli([
      'infer', '--config', join(timm, 'config.json'), '--weights', join(timm, 'model.safetensors'), '--input', join(timm, 'input.npy'),
      '--out', join(dir, 'x.npy'), '--masks-out', join(dir, 'm.npy'),
    ]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--masks-out and --masked need an SPViT model/);
  });
});
