import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { float32ToFloat16 } from './float-convert';
import { readSafetensors, SafetensorsReader, writeSafetensors } from './safetensors';

import type { HostTensor } from '../../tensor/host-tensor';

// core/ may not import test/, so the shared fixtures are found relative to this file.
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spvit-safetensors-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Builds a file by hand so the reader is tested against the format, not against our writer. */
async function handMade(name: string, header: Record<string, unknown>, data: Uint8Array): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}

const tensors = new Map<string, HostTensor>([
  ['cls_token', { shape: [1, 1, 3], data: Float32Array.from([0.5, -1, 2]) }],
  ['blocks.0.attn.qkv.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
  ['head.bias', { shape: [], data: Float32Array.from([7]) }],
]);

describe('safetensors', () => {
  it('round-trips float32 tensors with metadata, keys in order, header 8-byte aligned', async () => {
    const file = join(dir, 'round.safetensors');
    await writeSafetensors(file, tensors, { metadata: { format: 'pt' } });
    const bytes = await readFile(file);
    const headerBytes = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(headerBytes % 8).toBe(0);
    const back = await readSafetensors(file);
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [key, tensor] of tensors) {
      expect(back.get(key)?.shape).toEqual(tensor.shape);
      expect(Array.from(back.get(key)!.data)).toEqual(Array.from(tensor.data));
    }
    const reader = await SafetensorsReader.open(file);
    expect(reader.metadata).toEqual({ format: 'pt' });
    await reader.close();
  });

  it('widens F16 and BF16 to float32', async () => {
    const values = Float32Array.from([1, -2.5, 0.099975586, 65504, 6e-8]);
    const half = float32ToFloat16(values);
    const bf = new Uint16Array(new Uint32Array(values.buffer).map((bits) => bits >>> 16));
    const data = new Uint8Array(20);
    data.set(new Uint8Array(half.buffer), 0);
    data.set(new Uint8Array(bf.buffer), 10);
    const file = await handMade('half.safetensors', {
      a: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
      b: { dtype: 'BF16', shape: [5], data_offsets: [10, 20] },
    }, data);
    const back = await readSafetensors(file);
    const a = Array.from(back.get('a')!.data);
    expect(a.slice(0, 4)).toEqual([1, -2.5, 0.099975586, 65504].map((v) => Math.fround(v)));
    expect(a[4]).toBeCloseTo(5.96e-8, 9);
    const b = Array.from(back.get('b')!.data);
    expect(b[0]).toBe(1);
    expect(b[1]).toBe(-2.5);
    expect(b[3]).toBeCloseTo(65504, -3);
  });

  it('reads one tensor at a time from the timm fixture', async () => {
    const reader = await SafetensorsReader.open(join(FIXTURES, 'timm', 'vit-tiny-custom', 'model.safetensors'));
    expect(reader.keys).toContain('blocks.1.mlp.fc2.weight');
    const weight = await reader.read('patch_embed.proj.weight', { shape: [48, 3, 4, 4] });
    expect(weight.data.length).toBe(48 * 3 * 16);
    await reader.close();
  });

  it('names the key for a missing tensor and for a tensor of the wrong shape', async () => {
    const file = join(dir, 'keys.safetensors');
    await writeSafetensors(file, tensors);
    const reader = await SafetensorsReader.open(file);
    await expect(reader.read('pos_embed')).rejects.toMatchObject({ code: 'model/weights-mismatch', message: expect.stringContaining("'pos_embed'") });
    await expect(reader.read('blocks.0.attn.qkv.weight', { shape: [3, 2] })).rejects.toMatchObject({
      code: 'model/weights-mismatch',
      message: expect.stringMatching(/'blocks\.0\.attn\.qkv\.weight' has shape \[2, 3\], the model expects \[3, 2\]/),
    });
    await reader.close();
  });

  it('reports a truncated file by the tensor that is cut', async () => {
    const file = join(dir, 'cut.safetensors');
    await writeSafetensors(file, tensors);
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(file));
    await truncate(file, size - 2);
    await expect(SafetensorsReader.open(file)).rejects.toMatchObject({ code: 'data/corrupt', message: expect.stringMatching(/truncated: tensor 'head\.bias'/) });
    await truncate(file, 5);
    await expect(SafetensorsReader.open(file)).rejects.toMatchObject({ code: 'data/corrupt', message: expect.stringMatching(/truncated/) });
  });

  it('rejects an unknown dtype, naming key and dtype', async () => {
    const file = await handMade('dtype.safetensors', { weird: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
    await expect(SafetensorsReader.open(file)).rejects.toMatchObject({ code: 'model/unsupported', message: expect.stringMatching(/'weird' has dtype 'F8_E4M3'/) });
  });

  it('rejects a header that is not JSON, offsets that disagree with the shape, and a missing file', async () => {
    const notJson = await handMade('json.safetensors', {}, new Uint8Array(0));
    const bytes = await readFile(notJson);
    bytes[8] = 0x7b + 1;
    await writeFile(notJson, bytes);
    await expect(SafetensorsReader.open(notJson)).rejects.toMatchObject({ code: 'data/corrupt' });
    const badOffsets = await handMade('offsets.safetensors', { x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(12));
    await expect(SafetensorsReader.open(badOffsets)).rejects.toMatchObject({ code: 'data/corrupt', message: expect.stringContaining("'x'") });
    await expect(SafetensorsReader.open(join(dir, 'nope.safetensors'))).rejects.toMatchObject({ code: 'input/not-found' });
  });

  it('refuses to write the reserved __metadata__ key', async () => {
    const bad = new Map<string, HostTensor>([['__metadata__', { shape: [1], data: new Float32Array(1) }]]);
    await expect(writeSafetensors(join(dir, 'bad.safetensors'), bad)).rejects.toMatchObject({ code: 'input/invalid' });
  });
});
