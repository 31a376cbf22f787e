/**
 * The studio against the simulated ZCU102 on a socat pty, through its own code paths: log in over
 * the console (forced password change), find the IP, start the agent, profile a small SPViT model's
 * block types into a resumable LUT, deploy the fixed-point package (accuracy report, hash-checked
 * upload, latency, bit-exact outputs), check the board's outputs against the reference runner on
 * fresh images, and a failed deploy that leaves the previous deployment live on the board and in
 * the run folder.
 */
import { readFile } from 'node:fs/promises';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ReferenceRunner, compareWireTensors, decodePackage, imageTensor, outputTensors, quantizeImages } from '../../core/export/board/index';
import { perturbedBatch } from '../../core/export/board/calibration/perturbed-batch';
import { createModel, specFromTimm } from '../../core/models/registry';
import { isStudioError } from '../../core/shared/errors';
import { saveSpvitCheckpoint } from '../../core/spvit/checkpoint';
import { wrapBackbone } from '../../core/spvit/load';
import { parseSpvitSettings } from '../../core/spvit/settings';
import { initTensorBackend } from '../../core/tensor/backend';
import { SimZcu102Board } from '../../devices/sim/zcu102/sim-board';
import { Zcu102AgentClient } from '../../devices/zcu102/agent-client';
import { FileBoardStore } from '../../devices/zcu102/board-store';
import { PACKAGE_FILE, readCurrentVersion, versionDir } from '../../devices/zcu102/deploy/board-deploy-layout';
import { deployZcu102 } from '../../devices/zcu102/deploy/deploy-board';
import { profileZcu102 } from '../../devices/zcu102/profiler/profile-board';
import { requireTool } from '../support/require-tool';

import type { BoardDeployReport } from '../../devices/zcu102/deploy/board-deploy-report';

const socat = requireTool('socat', 'socat');

/** A small DeiT-shaped SPViT: 32x32 images, 16 patches, 4 blocks, selectors before blocks 1 and 2. */
async function writeRunFolder(runDir: string): Promise<void> {
  const backbone = createModel(specFromTimm('VisionTransformer', { img_size: 32, patch_size: 8, embed_dim: 64, depth: 4, num_heads: 2, num_classes: 10 }), { seed: 3 });
  const model = wrapBackbone(backbone, parseSpvitSettings({ selector: { blocks: [1, 2] }, keepRatios: [0.75, 0.5], inference: { mode: 'topk' } }), 5);
  // Freshly initialised selectors score every token 0.5; scaled-up weights give real decisions.
  const weights = model.getWeights();
  for (const [key, tensor] of weights) if (key.startsWith('selectors.') && tensor.shape.length === 2) tensor.data.forEach((value, i) => (tensor.data[i] = value * 20));
  model.loadWeights(weights);
  await mkdir(runDir, { recursive: true });
  await saveSpvitCheckpoint(model, join(runDir, 'model.safetensors'));
  model.dispose();
}

describe.runIf(socat !== null)('ZCU102 profile and deploy against the simulated board', () => {
  let workDir: string;
  let board: SimZcu102Board;
  let store: FileBoardStore;
  let link: string;
  let deviceId: string;
  let runDir: string;

  beforeAll(async () => {
    await initTensorBackend({});
    workDir = await mkdtemp(join(tmpdir(), 'spvit-zcu102-deploy-test-'));
    link = join(workDir, 'ttyZCU102');
    deviceId = `zcu102@${link}`;
    store = new FileBoardStore(join(workDir, 'boards.json'));
    runDir = join(workDir, 'run');
    await writeRunFolder(runDir);
    board = await SimZcu102Board.start({ link, agentPort: 0, seed: 21 });
  });

  afterAll(async () => {
    await board.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('profiles the block types over a token grid into a device LUT, and resumes a cancelled profile', async () => {
    const outPath = join(workDir, 'lut.json');
    const request = { deviceId, modelDir: runDir, outPath, tokens: [1, 8, 9, 17, 19], runs: 4, warmupRuns: 1, store, consoleTimeouts: { idleMs: 300 } };
    const controller = new AbortController();
    let points = 0;
    const cancelled = await profileZcu102({
      ...request,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.phase === 'point' && ++points === 4) controller.abort();
      },
    }).catch((error: unknown) => error);
    expect(cancelled).toBeInstanceOf(Error);
    expect(JSON.parse(await readFile(outPath, 'utf8')).device.extra.profile.status).toBe('partial');
    expect((await store.read(link)).credentials?.password).toHaveLength(20);

    const result = await profileZcu102(request);
    expect(result.reused).toBe(4);
    expect(result.measured).toBeGreaterThan(0);
    const { lut } = result;
    expect(lut).toMatchObject({ source: 'device', device: { kind: 'zcu102', runtime: 'spvit-board-agent', delegate: 'fpga-simulated', precision: 'int8' }, model: { arch: 'vit', embedDim: 64 } });
    expect(lut.device.model).toMatch(/ZCU102/);
    expect(lut.device.extra).toMatchObject({ accelerator: { id: 'spvit-int8-mac32x32-v1', simulated: true }, ip: '127.0.0.1', profile: { status: 'complete' } });
    const table = (type: string) => lut.tables.find((entry) => entry.blockType === type);
    expect(lut.tables.map((entry) => entry.blockType).sort()).toEqual(['block', 'block-after-selector', 'head', 'patch-embed', 'selector']);
    expect(table('block')?.points.map((point) => point.tokens)).toEqual([1, 8, 9, 17, 19]);
    expect(table('selector')?.points.map((point) => point.tokens)).toEqual([8, 9, 17, 19]);
    expect(table('patch-embed')?.points).toHaveLength(1);
    expect(table('patch-embed')?.points[0]?.tokens).toBe(17);
    for (const entry of lut.tables) {
      for (const point of entry.points) {
        expect(point.samplesMs).toHaveLength(4);
        expect(point.meanMs).toBeGreaterThan(0);
      }
    }
    const raw = JSON.parse(lut.raw?.['selector@0:9'] ?? '{}') as { boardTokens: number; cpuMs: number[]; acceleratorMs: number[] };
    expect(raw.boardTokens).toBe(8);
    expect(raw.cpuMs).toHaveLength(4);
    // The selector's decisions run on the ARM cores: the table keeps that share apart.
    expect(raw.cpuMs.every((ms) => ms > 0)).toBe(true);
  });

  let first: BoardDeployReport;

  it('deploys the fixed-point package and checks the board bit for bit', async () => {
    const phases: string[] = [];
    const { report, reportPath } = await deployZcu102({
      deviceId,
      runDir,
      store,
      consoleTimeouts: { idleMs: 300 },
      calibrationImages: 4,
      evaluationImages: 8,
      checkImages: 3,
      runs: 10,
      warmupRuns: 1,
      onEvent: (event) => phases.push(event.phase),
    });
    first = report;
    expect(phases).toEqual(expect.arrayContaining(['export', 'host-check', 'connect', 'push', 'verify', 'benchmark', 'outputs', 'activate', 'done']));
    expect(report).toMatchObject({ status: 'deployed', model: { mode: 'topk', selectorBlocks: [1, 2], keptTokens: [12, 8] }, bitExact: { images: 3, identical: true, problems: [] }, error: null });
    expect(report.upload?.sha256).toBe(report.package?.sha256);
    expect(report.accuracy?.images).toBe(8);
    expect(report.accuracy?.evaluationIncludesCalibration).toBe(false);
    expect(report.latency?.count).toBe(10);
    expect(report.latency?.meanMs).toBeGreaterThan(0);
    expect(report.board?.accelerator.simulated).toBe(true);
    expect(await readCurrentVersion(runDir)).toBe(report.deployment.version);
    expect(JSON.parse(await readFile(reportPath, 'utf8')).status).toBe('deployed');
  });

  it("gives the reference runner's outputs on fresh images, through the agent the deploy left running", async () => {
    const version = first.deployment.version as string;
    const bytes = new Uint8Array(await readFile(join(versionDir(runDir, version), PACKAGE_FILE)));
    const runner = new ReferenceRunner(decodePackage(bytes));
    const images = quantizeImages(runner.header, perturbedBatch(new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i * 0.37) * 1.3), [3, 32, 32], { count: 5, seed: 9 }));
    const perImage = 3 * 32 * 32;
    const expected = outputTensors(runner.header, Array.from({ length: 5 }, (_, i) => runner.run(images.subarray(i * perImage, (i + 1) * perImage))));
    const agent = (await store.read(link)).agent;
    expect(agent).toBeDefined();
    const client = await Zcu102AgentClient.connect({ host: agent?.ip ?? '', port: agent?.port ?? 0, token: agent?.token ?? '' }, { timeoutMs: 10_000 });
    try {
      expect(client.hello.activePackage?.sha256).toBe(first.package?.sha256);
      const actual = await client.infer([imageTensor(runner.header, images)], { timeoutMs: 60_000 });
      expect(compareWireTensors(expected, actual)).toEqual([]);
      expect(actual.map((tensor) => tensor.name)).toEqual(['logits', 'kept.0', 'kept.1']);
    } finally {
      client.close();
    }
  });

  it('keeps the previous deployment live on the board and in the run folder when a deploy fails after the upload', async () => {
    const controller = new AbortController();
    const failed = await deployZcu102({
      deviceId,
      runDir,
      store,
      consoleTimeouts: { idleMs: 300 },
      calibrationImages: 2,
      evaluationImages: 4,
      checkImages: 2,
      method: 'max',
      signal: controller.signal,
      onEvent: (event) => {
        if (event.phase === 'benchmark') controller.abort();
      },
    }).catch((error: unknown) => error);
    expect(isStudioError(failed)).toBe(true);
    const report = JSON.parse(await readFile(join(runDir, 'deploy-report-zcu102.json'), 'utf8')) as BoardDeployReport;
    expect(report.status).toBe('failed');
    expect(report.upload?.sha256).not.toBe(first.package?.sha256);
    expect(report.deployment).toMatchObject({ previous: first.deployment.version, current: first.deployment.version, boardPreviousSha256: first.package?.sha256, restoredOnBoard: true });
    expect(await readCurrentVersion(runDir)).toBe(first.deployment.version);
    const agent = (await store.read(link)).agent;
    const client = await Zcu102AgentClient.connect({ host: agent?.ip ?? '', port: agent?.port ?? 0, token: agent?.token ?? '' }, { timeoutMs: 10_000 });
    try {
      expect(client.hello.activePackage?.sha256).toBe(first.package?.sha256);
    } finally {
      client.close();
    }
  });
});
