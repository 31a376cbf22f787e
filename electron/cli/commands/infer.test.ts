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
  dir = await mkdtemp(join(tmpdir(), 'spvit-infer-'));
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

describe('spvit infer', () => {
  it('reproduces the timm logits of a fixture from its config.json on wasm', async () => {
    const folder = sharedFixtures('timm', 'vit-tiny-custom');
    const out = join(dir, 'logits.npy');
    const result = await cli([
      'infer', '--config', join(folder, 'config.json'), '--weights', join(folder, 'model.safetensors'),
      '--input', join(folder, 'input.npy'), '--out', out, '--backend', 'wasm',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^backend: wasm/);
    const ours = npyToFloat32(await readNpy(out));
    const timm = npyToFloat32(await readNpy(join(folder, 'logits.npy')));
    const scale = Math.max(...Array.from(timm, Math.abs));
    expect(Math.max(...Array.from(ours, (value, i) => Math.abs(value - timm[i]!))) / scale).toBeLessThan(1e-4);
  });

  it('rejects modes other than dense, and a missing weights flag, with usage errors', async () => {
    const folder = sharedFixtures('timm', 'vit-tiny-custom');
    const base = ['infer', '--config', join(folder, 'config.json'), '--input', join(folder, 'input.npy'), '--out', join(dir, 'x.npy')];
    const mode = await cli([...base, '--weights', join(folder, 'model.safetensors'), '--mode', 'pruned']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/error \[input\/invalid\]: --mode 'pruned'/);
    const missing = await cli(base);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--weights is required/);
  });
});
