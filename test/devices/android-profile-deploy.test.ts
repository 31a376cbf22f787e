/**
 * Latency tables and deployments on a phone over a real Debian `adb` server (its own port), with
 * the simulated Galaxy S20 connected by `adb connect`: a full profile of a small model (staircase
 * visible), an unplug in the middle of a profile (device/disconnected, a resumable table, the
 * re-run measures only what is missing), a deploy with its report through `spvit deploy`, a failed
 * deploy that leaves the previous one live, and a default DeiT-Tiny profile.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildLatencyCurve } from '../../core/latency/curve';
import { layoutFromModel } from '../../core/latency/layout';
import { unprunedLatencyMs } from '../../core/latency/latency-model';
import { readLut } from '../../core/latency/lut-io';
import { lutModelShapeFromSpec } from '../../core/latency/model-shape';
import { createModel, specFromTimm } from '../../core/models/registry';
import { createLatencyTableExecutor } from '../../core/pipeline/executors/latency-table';
import { saveWeightsFile } from '../../core/models/weights';
import { NEVER_ABORTED } from '../../core/shared/abort';
import { isStudioError } from '../../core/shared/errors';
import { saveSpvitCheckpoint } from '../../core/spvit/checkpoint';
import { createSpvitModel } from '../../core/spvit/load';
import { initTensorBackend } from '../../core/tensor/backend';
import { deployAndroid } from '../../devices/android/deploy/deploy-android';
import { CURRENT_POINTER, METADATA_FILE, MODEL_FILE, versionDir } from '../../devices/android/deploy/deploy-layout';
import { AdbServerHub } from '../../devices/android/node-adb-server';
import { androidProfileOnDevice } from '../../devices/android/profiler/pipeline-profiler';
import { profileAndroid } from '../../devices/android/profiler/profile-android';
import { GALAXY_S20 } from '../../devices/sim/phone/profiles/galaxy-s20';
import { SimPhone } from '../../devices/sim/phone/sim-phone';
import { SimPhoneServer } from '../../devices/sim/phone/sim-phone-server';
import { deployHandlers } from '../../electron/backend/handlers/deploy';
import { latencyHandlers } from '../../electron/backend/handlers/latency';
import { JobManager } from '../../electron/backend/job-manager';
import { requireTool } from '../support/require-tool';

import type { Contract } from '../../core/api/contract';
import type { Handlers } from '../../core/api/define';
import type { Lut, LutPoint } from '../../core/latency/lut-schema';
import type { DeployReport } from '../../devices/android/deploy/deploy-report';
import type { AdbDeviceEntry } from '../../devices/android/phone-agent';
import type { BackendDeps } from '../../electron/backend/deps';

const run = promisify(execFile);
const adb = requireTool('adb', 'adb');
const ROOT = new URL('../../', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function tableOf(lut: Lut, blockType: string): LutPoint[] {
  const table = lut.tables.find((t) => t.blockType === blockType);
  expect(table, `${blockType} table`).toBeDefined();
  return table!.points;
}

describe.skipIf(adb === null)('profiling and deploying on a phone over adb (simulated Galaxy S20)', () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let hub: AdbServerHub;
  let binaryPath: string;
  let smallModel: string;
  // One phone (its filesystem and thermal state) that can be unplugged and plugged in again.
  const phone = new SimPhone({ profile: structuredClone(GALAXY_S20), seed: 21, timeScale: 1000 });
  let server: SimPhoneServer;
  let port = 0;

  function adbCli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(adb!, args, { env, timeout: 30_000 });
  }

  /** Resolves when the adb server's device list satisfies `ready` (track-devices, no polling). */
  async function waitForList(ready: (devices: AdbDeviceEntry[]) => boolean): Promise<void> {
    let stop: (() => Promise<void>) | undefined;
    await new Promise<void>((resolve, reject) => {
      void hub
        .trackDevices((devices) => {
          if (ready(devices)) resolve();
        }, reject)
        .then((stopTracking) => {
          stop = stopTracking;
        }, reject);
    });
    await stop?.();
  }

  const listed = (devices: AdbDeviceEntry[], state: string): boolean => devices.some((device) => device.serial === server.serial && device.state === state);

  async function plugIn(): Promise<string> {
    server = new SimPhoneServer({ phone, port });
    port = await server.start();
    // A transport the server still holds as offline would not be reconnected by `adb connect`.
    await adbCli('disconnect', server.serial).catch(() => undefined);
    await adbCli('connect', server.serial).catch(() => undefined);
    await waitForList((devices) => listed(devices, 'device'));
    return server.serial;
  }

  /**
   * Pulls the plug: the phone's connections drop at once; `adb disconnect` then stops the server
   * from retrying in the background (it would list the phone for a minute) so the phone is gone.
   */
  async function unplug(): Promise<void> {
    await server.stop();
    await adbCli('disconnect', server.serial).catch(() => undefined);
    await waitForList((devices) => !devices.some((device) => device.serial === server.serial));
  }

  async function shellOnPhone(command: string): Promise<{ output: string; exitCode: number }> {
    const agent = await hub.openPhone(server.serial);
    try {
      return await agent.shell(command);
    } finally {
      await agent.close();
    }
  }

  beforeAll(async () => {
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
    work = await mkdtemp(join(tmpdir(), 'spvit-profile-deploy-'));
    env = { ...process.env, HOME: work, ANDROID_ADB_SERVER_PORT: String(await freePort()) };
    delete env.ADB_SERVER_SOCKET;
    await adbCli('start-server');
    hub = new AdbServerHub({ address: { host: '127.0.0.1', port: Number(env.ANDROID_ADB_SERVER_PORT) } });
    // The simulator runs its own benchmark_model; the studio still installs "the user's binary".
    binaryPath = join(work, 'benchmark_model');
    await writeFile(binaryPath, '\x7fELF benchmark_model stand-in: the simulated phone runs its own');
    smallModel = await smallModelFolder();
    await plugIn();
  });

  afterAll(async () => {
    await server?.stop();
    await adbCli('kill-server').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  /** A small ViT folder (config.json + model.safetensors): 8x8 patches + CLS = 65 tokens. */
  async function smallModelFolder(): Promise<string> {
    const folder = join(work, 'small-vit');
    const kwargs = { img_size: 32, patch_size: 4, embed_dim: 64, depth: 2, num_heads: 2, num_classes: 10 };
    const model = createModel(specFromTimm('VisionTransformer', kwargs), { seed: 1 });
    await mkdir(folder, { recursive: true });
    await saveWeightsFile(model, join(folder, 'model.safetensors'));
    model.dispose();
    await writeFile(join(folder, 'config.json'), JSON.stringify({ timm_class: 'VisionTransformer', kwargs }));
    return folder;
  }

  const fast = { thresholdC: 60, timeoutMs: 5_000, pollMs: 20 };

  it('profiles a small model: every table, raw outputs and temperatures kept, a monotone staircase', async () => {
    const outPath = join(work, 'small-lut.json');
    const result = await profileAndroid({ hub, serial: server.serial, modelDir: smallModel, outPath, coolDown: fast, benchmarkBinary: binaryPath, wholeModel: false });
    expect(result.reused).toBe(0);
    const lut = await readLut(outPath);
    expect(lut.source).toBe('device');
    expect(lut.device).toMatchObject({ id: server.serial, kind: 'android', model: 'SM-G980F', soc: 'S5E9830', threads: 4, delegate: 'xnnpack' });
    expect(lut.device.extra).toMatchObject({ cpuMask: 'f0', profile: { status: 'complete' } });
    expect(lut.tables.map((t) => t.blockType).sort()).toEqual(['block', 'block-after-selector', 'head', 'patch-embed', 'selector']);
    expect(tableOf(lut, 'patch-embed').map((p) => p.tokens)).toEqual([65]);
    const block = tableOf(lut, 'block');
    expect(block[0]?.tokens).toBe(1);
    expect(block[block.length - 1]?.tokens).toBe(68);
    for (const point of block) {
      expect(point.samplesMs).toHaveLength(3);
      expect(point.count).toBe(3);
      const record = JSON.parse(lut.raw?.[`block@0:${point.tokens}#record`] ?? '{}') as { runs: { temperatureBeforeC: number | null; command: string }[] };
      expect(record.runs).toHaveLength(3);
      expect(record.runs[0]?.temperatureBeforeC).toBeGreaterThan(20);
      expect(record.runs[0]?.command).toMatch(/^taskset f0 \/data\/local\/tmp\/benchmark_model .*--num_threads=4 --warmup_runs=3 --num_runs=10 --min_secs=0/);
      expect(lut.raw?.[`block@0:${point.tokens}`]).toMatch(/Inference timings in us/);
    }
    // Monotone within noise, and the fitted curve never decreases.
    for (let i = 1; i < block.length; i += 1) {
      const [prev, next] = [block[i - 1]!, block[i]!];
      expect(next.meanMs + 3 * (prev.stdMs + next.stdMs), `N=${prev.tokens} -> ${next.tokens}`).toBeGreaterThanOrEqual(prev.meanMs);
    }
    const curve = buildLatencyCurve(block);
    for (let n = 2; n <= 68; n += 1) expect(curve.at(n)).toBeGreaterThanOrEqual(curve.at(n - 1));
    // A staircase, not a line: flat steps spanning several token counts, and jumps between them.
    const flat = curve.steps.filter((step) => step.lastTokens - step.firstTokens >= 2);
    expect(flat.length).toBeGreaterThanOrEqual(1);
    const jumps = block.slice(1).filter((point, i) => point.tokens === block[i]!.tokens + 1 && point.meanMs > block[i]!.meanMs * 1.03);
    expect(jumps.length).toBeGreaterThanOrEqual(2);
    // The sweep is sparse on the flats: far fewer points than token counts.
    expect(block.length).toBeLessThan(60);
  });

  it('gives device/disconnected when unplugged mid-profile, leaves a resumable table, and a re-run measures only the rest', async () => {
    const outPath = join(work, 'resume-lut.json');
    const request = { hub, modelDir: smallModel, outPath, coolDown: fast, benchmarkBinary: binaryPath, wholeModel: false, blockTypes: ['block', 'selector'] as const, tokens: [1, 8, 16, 24, 32, 40, 48, 56, 64] };
    let unplugged = false;
    const error = await caught(
      profileAndroid({
        ...request,
        serial: server.serial,
        onEvent: async (event) => {
          if (!unplugged && event.measuredPoints === 5) {
            unplugged = true;
            await unplug();
          }
        },
      }),
    );
    expect(isStudioError(error, 'device/disconnected'), String(error)).toBe(true);
    expect((error as { details?: { lutPath?: string; measuredPoints?: number } }).details).toMatchObject({ lutPath: outPath, measuredPoints: 5 });
    expect((error as { hint?: string }).hint).toMatch(/run the same profile again/);
    const partial = await readLut(outPath);
    expect(partial.device.extra).toMatchObject({ profile: { status: 'partial' } });
    expect(partial.tables.flatMap((t) => t.points)).toHaveLength(5);

    await plugIn();
    const events: { reused: boolean; tokens: number | null }[] = [];
    const resumed = await profileAndroid({ ...request, serial: server.serial, onEvent: (event) => void events.push(event) });
    expect(resumed.reused).toBe(5);
    expect(resumed.measured).toBe(request.tokens.length + request.tokens.filter((n) => n >= 2).length - 5);
    expect(events.filter((event) => event.reused)).toHaveLength(5);
    const complete = await readLut(outPath);
    expect(complete.device.extra).toMatchObject({ profile: { status: 'complete', sessions: [{ measured: 5 }, { measured: resumed.measured }] } });
    expect(tableOf(complete, 'block').map((p) => p.tokens)).toEqual(request.tokens);
    expect(tableOf(complete, 'selector').map((p) => p.tokens)).toEqual(request.tokens.filter((n) => n >= 2));
    // Other settings do not mix into the same table.
    const refused = await caught(profileAndroid({ ...request, serial: server.serial, repeats: 5 }));
    expect(isStudioError(refused, 'input/invalid'), String(refused)).toBe(true);
  });

  it("gives a pipeline's device latency-table node its table (profileOnDevice)", async () => {
    const runDir = join(work, 'pipeline-run');
    const nodeDir = join(runDir, 'nodes', 'lut');
    await mkdir(nodeDir, { recursive: true });
    const spec = specFromTimm('VisionTransformer', { img_size: 32, patch_size: 4, embed_dim: 64, depth: 2, num_heads: 2, num_classes: 10 });
    const node = { id: 'lut', kind: 'latency-table', config: { source: 'device', tokens: [4, 40], runs: 5, warmupRuns: 1 } };
    const messages: string[] = [];
    const context = {
      node,
      pipeline: { nodes: [node] },
      inputs: { backbone: { model: 'VisionTransformer', kwargs: {}, spec, shape: lutModelShapeFromSpec(spec), weights: join(smallModel, 'model.safetensors') }, device: { deviceKind: 'android', id: server.serial } },
      runDir,
      nodeDir,
      resolvePath: (path: string) => path,
      signal: NEVER_ABORTED,
      metrics: { write: () => undefined },
      progress: (_fraction: number | null, message: string) => void messages.push(message),
    } as unknown as Parameters<ReturnType<typeof createLatencyTableExecutor>['execute']>[0];
    const executor = createLatencyTableExecutor({ profileOnDevice: androidProfileOnDevice({ hub, benchmarkBinary: binaryPath, repeats: 1 }) });
    const { lut } = (await executor.execute(context)) as { lut: { path: string; source: string; deviceId: string; denseMs: number } };
    expect(lut).toMatchObject({ path: join(runDir, 'lut.json'), source: 'device', deviceId: server.serial });
    expect(lut.denseMs).toBeGreaterThan(0);
    const table = await readLut(lut.path);
    expect(tableOf(table, 'block').map((p) => p.tokens)).toEqual([4, 40]);
    expect(messages.some((message) => message.startsWith('block N=40'))).toBe(true);
    // Measured into the node's folder, so a resumed pipeline resumes the profile.
    expect((await readLut(join(nodeDir, 'device-profile.json'))).device.extra).toMatchObject({ profile: { status: 'complete' } });
  });

  describe('deploy', () => {
    let runDir: string;

    beforeAll(async () => {
      runDir = join(work, 'run');
      await mkdir(runDir, { recursive: true });
      const model = createSpvitModel(
        { timm_class: 'VisionTransformer', kwargs: { img_size: 32, patch_size: 4, embed_dim: 48, depth: 4, num_heads: 3, num_classes: 10 }, spvit: { selector: { blocks: [1, 2, 3] }, keepRatios: [0.7, 0.4, 0.2] } },
        { seed: 3 },
      );
      // Trained selectors give spread-out scores; random ones score every token about 0.5.
      for (const entry of model.parameters()) {
        if (entry.key.startsWith('selectors.')) entry.variable.assign(tf.randomNormal(entry.variable.shape, 0, 0.2, 'float32', 4));
      }
      await saveSpvitCheckpoint(model, join(runDir, 'model.safetensors'));
      model.dispose();
      const report = {
        format: 'spvit-run', version: 1, pipeline: 'test', status: 'succeeded', startedAt: '2026-01-01T00:00:00Z', endedAt: null, attempts: 1, order: ['train'],
        nodes: { train: { kind: 'train', status: 'done', fingerprint: 'x', startedAt: null, endedAt: null, durationMs: null, outputs: { model: { dir: runDir, weightsPath: join(runDir, 'model.safetensors'), budgetMs: 5, predictedMs: 0.9 } }, error: null, reused: false } },
      };
      await writeFile(join(runDir, 'report.json'), JSON.stringify(report));
    });

    it('spvit deploy exports, installs under a new version, benchmarks, and reports against the budget', async () => {
      const { stdout } = await run(process.execPath, [join(ROOT, 'bin/spvit.js'), 'deploy', '--device', server.serial, '--model', runDir, '--runs', '20', '--warmup', '3', '--benchmark-binary', binaryPath, '--backend', 'wasm'], {
        env,
        cwd: ROOT,
        timeout: 120_000,
      });
      expect(stdout).toMatch(/deployed \S+ to /);
      const report = JSON.parse(await readFile(join(runDir, 'deploy-report.json'), 'utf8')) as DeployReport;
      expect(report).toMatchObject({ status: 'deployed', error: null, model: { architecture: 'spvit-vit', mode: 'topk', tokensPerBlock: [65, 47, 29, 17], outputShape: [1, 10] } });
      expect(report.device.identity).toMatchObject({ model: 'SM-G980F', soc: 'S5E9830', simulator: 'galaxy-s20' });
      expect(report.budget).toMatchObject({ budgetMs: 5, predictedMs: 0.9 });
      expect(report.latency?.count).toBe(20);
      expect(report.latency?.meanMs).toBeGreaterThan(0.1);
      expect(report.latency?.withinBudget).toBe(report.latency!.meanMs <= 5);
      expect(report.latency?.marginMs).toBeCloseTo(5 - report.latency!.meanMs, 6);
      expect(report.raw).toMatch(/Inference timings in us/);
      expect(report.hostCheck).toMatchObject({ available: true, passed: true, sameTopClass: true });
      expect((report.hostCheck as { maxRelativeError: number }).maxRelativeError).toBeLessThan(1e-4);
      // The simulated tool cannot write outputs: the check says so instead of passing.
      expect(report.onDeviceCheck).toMatchObject({ available: false });
      expect((report.onDeviceCheck as { reason: string }).reason).toMatch(/output_filepath/);
      expect(report.deployment).toMatchObject({ previous: null, current: report.deployment.version, verified: 'sha256 on the phone', path: versionDir(report.deployment.version) });
      expect((await shellOnPhone(`cat ${CURRENT_POINTER}`)).output.trim()).toBe(report.deployment.version);
      const metadata = JSON.parse((await shellOnPhone(`cat ${versionDir(report.deployment.version)}/${METADATA_FILE}`)).output) as Record<string, unknown>;
      expect(metadata).toMatchObject({ version: report.deployment.version, modelSha256: report.model.modelSha256, budgetMs: 5 });
      expect((await shellOnPhone(`sha256sum ${versionDir(report.deployment.version)}/${MODEL_FILE}`)).output).toContain(report.model.modelSha256);
    });

    it('an unplug during the benchmark fails the deploy and leaves the previous version live', async () => {
      const before = (await shellOnPhone(`cat ${CURRENT_POINTER}`)).output.trim();
      expect(before).not.toBe('');
      const error = await caught(
        deployAndroid({
          hub,
          serial: server.serial,
          runDir,
          runs: 5,
          warmupRuns: 1,
          benchmarkBinary: binaryPath,
          coolDown: fast,
          now: () => new Date(Date.now() + 1000),
          onEvent: async (event) => {
            if (event.phase === 'benchmark') await unplug();
          },
        }),
      );
      expect(isStudioError(error, 'device/disconnected'), String(error)).toBe(true);
      expect((error as Error).message).toContain(`Deployment ${before} stays live.`);
      const report = JSON.parse(await readFile(join(runDir, 'deploy-report.json'), 'utf8')) as DeployReport;
      expect(report).toMatchObject({ status: 'failed', error: { code: 'device/disconnected' }, deployment: { previous: before, current: before } });
      await plugIn();
      expect((await shellOnPhone(`cat ${CURRENT_POINTER}`)).output.trim()).toBe(before);
      expect((await shellOnPhone(`ls ${versionDir(before)}`)).output).toContain(MODEL_FILE);
    });

    it('latency.profile and deploy.run run as backend jobs with progress events', async () => {
      const jobs = new JobManager(() => undefined);
      const deps: BackendDeps = { host: 'test', jobs, dataDir: work, tensorBackend: () => 'wasm' };
      const events: { event: string; payload: unknown }[] = [];
      const context = { signal: NEVER_ABORTED, emit: (event: string, payload: unknown) => void events.push({ event, payload }) } as unknown as Parameters<Handlers<Contract>['latency.profile']>[1];
      const services = { hub: () => hub };
      const profile = await latencyHandlers(deps, services)['latency.profile']({ deviceId: server.serial, modelDir: smallModel, tokens: [4, 40], tables: ['block'], repeats: 1, benchmarkBinary: binaryPath }, context);
      const profiled = await jobs.wait(profile.runId);
      expect(profiled.state, JSON.stringify(profiled.error)).toBe('succeeded');
      expect(profiled.result).toMatchObject({ deviceId: server.serial, measured: 2, reused: 0, path: join(work, 'luts', `${server.serial.replace(':', '_')}-small-vit.json`) });
      const points = events.filter((e) => e.event === 'latency.profileProgress').map((e) => e.payload as { runId: string; phase: string; tokens: number | null });
      expect(points.map((p) => [p.phase, p.tokens])).toEqual([['point', 4], ['point', 40], ['whole-model', null], ['done', null]]);
      expect(points.every((p) => p.runId === profile.runId)).toBe(true);
      const deploy = await deployHandlers(deps, services)['deploy.run']({ deviceId: server.serial, runDir, runs: 5, warmupRuns: 1, benchmarkBinary: binaryPath }, context);
      const deployed = await jobs.wait(deploy.runId);
      expect(deployed.state, JSON.stringify(deployed.error)).toBe('succeeded');
      expect(deployed.result).toMatchObject({ deviceId: server.serial, budgetMs: 5, reportPath: join(runDir, 'deploy-report.json') });
      const phases = events.filter((e) => e.event === 'deploy.progress').map((e) => (e.payload as { phase: string }).phase);
      expect(phases).toEqual(['export', 'host-check', 'connect', 'push', 'verify', 'benchmark', 'outputs', 'activate', 'done']);
      expect((await shellOnPhone(`cat ${CURRENT_POINTER}`)).output.trim()).toBe((deployed.result as { version: string }).version);
    });
  });

  it('profiles DeiT-Tiny with the default settings in under 3 minutes, dense latency 40-60 ms', { timeout: 180_000 }, async () => {
    const outPath = join(work, 'deit-tiny-lut.json');
    const result = await profileAndroid({ hub, serial: server.serial, arch: 'deit_tiny_patch16_224', outPath, coolDown: fast, benchmarkBinary: binaryPath });
    const lut = result.lut;
    expect(tableOf(lut, 'block').map((p) => p.tokens).slice(0, 1)).toEqual([1]);
    // The dense sequence (CLS + 196 patches) is always measured, not interpolated.
    expect(tableOf(lut, 'block').some((p) => p.tokens === 197)).toBe(true);
    const whole = lut.device.extra?.['whole-model'] as { meanMs: number };
    expect(whole.meanMs).toBeGreaterThan(40);
    expect(whole.meanMs).toBeLessThan(60);
    const dense = unprunedLatencyMs(lut, layoutFromModel(lut.model, []));
    expect(dense).toBeGreaterThan(40);
    expect(dense).toBeLessThan(60);
    // The blocks add up to the whole model within 10 %.
    expect(Math.abs(dense - whole.meanMs) / whole.meanMs).toBeLessThan(0.1);
  });
});
