import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SPVIT = resolve(import.meta.dirname, '../../../bin/spvit.js');
let dir: string;
let pipelineFile: string;

const pipeline = {
  version: 1,
  name: 'tiny killed run',
  nodes: [
    { id: 'data', kind: 'dataset', config: { source: { kind: 'sample' }, input: { height: 28, width: 28, channels: 1 }, valFraction: 0.2, seed: 0, trainLimit: 120 } },
    { id: 'vit', kind: 'backbone', config: { model: 'VisionTransformer', kwargs: { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2 } } },
    {
      id: 'train',
      kind: 'train',
      config: {
        seed: 3,
        workers: 1,
        dense: { epochs: 1, batchSize: 16, lr: 0.002, warmupEpochs: 0 },
        spvit: { epochs: 2, batchSize: 16, lr: 0.003, backboneFreezeEpochs: 1, selector: { blocks: [1, 2] }, keepRatios: [0.7, 0.5] },
      },
    },
  ],
  edges: [
    { from: { node: 'data', port: 'dataset' }, to: { node: 'train', port: 'dataset' } },
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'train', port: 'backbone' } },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spvit-kill-'));
  pipelineFile = join(dir, 'tiny.spvit.json');
  await writeFile(pipelineFile, JSON.stringify(pipeline));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `spvit run`; with `killWhen`, SIGKILLs the process once its stderr matches. Resolves with the exit. */
function spvitRun(out: string, killWhen?: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [SPVIT, 'run', pipelineFile, '--out', out, '--backend', 'wasm', '--log-every', '1', '--workers', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (killWhen !== undefined && killWhen.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise({ code, signal, stderr }));
  });
}

/** The last value logged for every (metric, step): a resumed run logs the replayed steps again. */
function lossCurve(runDir: string): Map<string, number> {
  const curve = new Map<string, number>();
  for (const line of readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { name: string; value: number; step?: number };
    if (/\/train\/(loss|keep-ratio|accuracy)/.test(record.name) && record.step !== undefined) curve.set(`${record.name}@${record.step}`, record.value);
  }
  return curve;
}

describe('spvit run killed with SIGKILL', () => {
  it('resumes from its last checkpoint and reproduces the uninterrupted loss curve exactly', async () => {
    const straight = await spvitRun(join(dir, 'straight'));
    expect(straight.code, straight.stderr.slice(-2000)).toBe(0);

    // The SPViT stage checkpoints at the end of its first epoch (6 steps); kill it 3 steps later.
    const killed = await spvitRun(join(dir, 'killed'), /spvit epoch [\d.]+\/2 step 9\//);
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await spvitRun(join(dir, 'killed'));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('(resuming)');

    const expected = lossCurve(join(dir, 'straight'));
    const actual = lossCurve(join(dir, 'killed'));
    expect(expected.size).toBeGreaterThan(20);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, value] of expected) expect(actual.get(key), key).toBe(value);
  }, 300_000);
});
