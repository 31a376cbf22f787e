/**
 * `spvit deploy --device zcu102@PATH` / deploy.run for a board: export the run's model as a
 * fixed-point package (calibrated on sample images), compare it with the float model on the host,
 * connect through the console, upload it (hash-checked by the agent), time it with `run`, and check
 * that the board's outputs on sample images equal the reference runner's byte for byte. Only then
 * does the run's `current` deployment change (board-deploy-layout.ts). A failure leaves the run's
 * previous deployment in place and, when the board ran one of this run's packages before, puts
 * that package back on the board. A report is written either way.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { StudioError, toSerializedError } from '../../../core/shared/errors';
import {
  BOARD_FORMAT_NAME,
  ReferenceRunner,
  compareWireTensors,
  compareWithFloat,
  exportBoardPackage,
  floatReference,
  imageTensor,
  outputTensors,
  quantizeImages,
  runReference,
} from '../../../core/export/board/index';
import { packageImages } from '../../../core/export/board/sample-images';
import { loadModelFolder } from '../../../core/export/tflite/model-folder';
import { readRunBudget } from '../../android/deploy/run-budget';
import { Zcu102AgentClient } from '../agent-client';
import { connectBoard, defaultBoardStore } from '../profiler/connect-board';

import {
  LATEST_REPORT_FILE,
  PACKAGE_FILE,
  VERSION_REPORT_FILE,
  boardDeploymentVersion,
  deploymentsDir,
  readCurrentVersion,
  stagingDir,
  versionDir,
  writeCurrentVersion,
  writeJsonAtomically,
} from './board-deploy-layout';

import type { DeployPhase } from '../../android/deploy/deploy-android';
import type { Zcu102BoardStore } from '../board-store';
import type { ConsoleTimeouts } from '../console-agent';
import type { BoardConnection } from '../profiler/connect-board';
import type { BoardDeployReport } from './board-deploy-report';

export const BOARD_DEPLOY_DEFAULTS = { calibrationImages: 16, evaluationImages: 32, checkImages: 4, runs: 50, warmupRuns: 5 } as const;

export interface BoardDeployEvent {
  phase: DeployPhase;
  message: string;
}

export interface BoardDeployRequest {
  deviceId: string;
  runDir: string;
  /** NCHW float images (.npy) for calibration and checks; default: the bundled Fashion-MNIST sample. */
  imagesPath?: string | undefined;
  calibrationImages?: number | undefined;
  evaluationImages?: number | undefined;
  checkImages?: number | undefined;
  method?: 'max' | 'percentile' | undefined;
  percentile?: number | undefined;
  /** 8 (default, the int8 datapath) or 12-bit activations. */
  activationBits?: 8 | 12 | undefined;
  /** Refuse to deploy a package whose top-1 agreement with the float model is below this (0..1). */
  minAgreement?: number | undefined;
  runs?: number | undefined;
  warmupRuns?: number | undefined;
  budgetMs?: number | undefined;
  store?: Zcu102BoardStore | undefined;
  consoleTimeouts?: Partial<ConsoleTimeouts> | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: BoardDeployEvent) => void) | undefined;
  now?: () => Date;
}

export interface BoardDeployResult {
  report: BoardDeployReport;
  reportPath: string;
}

function archName(config: unknown): string {
  const record = config as { timm_class?: unknown; backbone?: { architecture?: unknown } } | null;
  if (typeof record?.timm_class === 'string') return record.timm_class;
  return typeof record?.backbone?.architecture === 'string' ? record.backbone.architecture : 'vit';
}

/**
 * Puts the board's previous package back when it is this run's current deployment. A cancelled
 * request may have closed the connection, so this opens a new one with the same session token.
 */
async function restoreBoard(connection: BoardConnection, runDir: string, previousSha256: string | null, current: string | null): Promise<{ restored: boolean | null; problem: string | null }> {
  if (previousSha256 === null) return { restored: null, problem: null };
  if (current === null) return { restored: false, problem: "the board's previous package is not one of this run's deployments" };
  let client: Zcu102AgentClient | null = null;
  try {
    const bytes = new Uint8Array(await readFile(join(versionDir(runDir, current), PACKAGE_FILE)));
    if (createHash('sha256').update(bytes).digest('hex') !== previousSha256) return { restored: false, problem: "the board's previous package is not this run's current deployment" };
    const { ip, agentPort, token } = connection.agent;
    client = connection.client.isClosed ? await Zcu102AgentClient.connect({ host: ip, port: agentPort, token }, { timeoutMs: 15_000 }) : connection.client;
    await client.upload(bytes, { timeoutMs: 120_000 });
    return { restored: true, problem: null };
  } catch (error) {
    // Best effort: the report says why it did not happen; the deploy's own error is what is thrown.
    return { restored: false, problem: error instanceof Error ? error.message : String(error) };
  } finally {
    if (client !== null && client !== connection.client) client.close();
  }
}

export async function deployZcu102(request: BoardDeployRequest): Promise<BoardDeployResult> {
  const now = request.now ?? (() => new Date());
  const createdAt = now();
  const { runDir, deviceId, signal } = request;
  const emit = (phase: DeployPhase, message: string): void => request.onEvent?.({ phase, message });
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = Math.round(performance.now() - started);
    }
  };
  const previous = await readCurrentVersion(runDir);
  const report: BoardDeployReport = {
    format: 'spvit-board-deploy-report',
    version: 1,
    status: 'failed',
    createdAt: createdAt.toISOString(),
    runDir,
    deviceId,
    board: null,
    model: { architecture: '', arch: '', mode: 'dense', selectorBlocks: [], keptTokens: [], weightsSha256: '', configSource: '' },
    package: null,
    accuracy: null,
    upload: null,
    latency: null,
    bitExact: null,
    deployment: { version: null, previous, current: previous, boardPreviousSha256: null, restoredOnBoard: null, restoreProblem: null },
    timingsMs: timings,
    error: null,
  };
  let connection: BoardConnection | null = null;
  let staging: string | null = null;
  let uploaded = false;
  try {
    emit('export', `exporting ${runDir} as a fixed-point package`);
    const loaded = await loadModelFolder(runDir);
    let bytes: Uint8Array;
    let runner: ReferenceRunner;
    let checkImages: Int8Array;
    let expected;
    try {
      const images = await packageImages({
        inputShape: loaded.model.inputShape,
        imagesPath: request.imagesPath,
        calibrationCount: request.calibrationImages ?? BOARD_DEPLOY_DEFAULTS.calibrationImages,
        evaluationCount: Math.max(request.evaluationImages ?? BOARD_DEPLOY_DEFAULTS.evaluationImages, request.checkImages ?? BOARD_DEPLOY_DEFAULTS.checkImages),
      });
      const exported = await timed('export', () =>
        exportBoardPackage(loaded.model, { calibration: images.calibration, arch: archName(loaded.config), ...(request.method === undefined ? {} : { method: request.method }), ...(request.percentile === undefined ? {} : { percentile: request.percentile }), ...(request.activationBits === undefined ? {} : { arithmetic: { activationBits: request.activationBits } }) }),
      );
      bytes = exported.bytes;
      const { header } = exported.pkg;
      report.model = {
        architecture: loaded.model.architecture,
        arch: header.model.arch,
        mode: header.selectors.length > 0 ? 'topk' : 'dense',
        selectorBlocks: header.model.selectorBlocks,
        keptTokens: header.model.keptTokens,
        weightsSha256: loaded.weightsSha256,
        configSource: loaded.configSource,
      };
      report.package = {
        sha256: createHash('sha256').update(bytes).digest('hex'),
        sizeBytes: bytes.length,
        format: BOARD_FORMAT_NAME,
        calibration: header.calibration,
        activationBits: header.arithmetic.activationBits,
        inputScale: header.input.scale,
        outputScale: header.output.scale,
      };
      emit('host-check', `comparing the package with the float model on ${images.evaluation.count} image(s)`);
      runner = new ReferenceRunner(exported.pkg);
      const fixed = await timed('referenceRunner', () => runReference(runner, images.evaluation.data));
      const float = await timed('floatModel', () => floatReference(loaded.model, images.evaluation.data));
      const accuracy = compareWithFloat(runner, fixed, float, images.evaluation.source);
      report.accuracy = { ...accuracy, evaluationIncludesCalibration: images.overlap, referenceKernel: runner.kernelName };
      const minimum = request.minAgreement;
      if (minimum !== undefined && accuracy.top1Agreement < minimum) {
        throw new StudioError('deploy/failed', `The fixed-point package agrees with the float model on ${(accuracy.top1Agreement * 100).toFixed(1)}% of the images (top-1), below the required ${(minimum * 100).toFixed(1)}%.`, {
          hint: 'Calibrate on images closer to the training data (--images), or try --calibration max.',
        });
      }
      const count = Math.min(request.checkImages ?? BOARD_DEPLOY_DEFAULTS.checkImages, images.evaluation.count);
      const perImage = loaded.model.inputShape.reduce((product, size) => product * size, 1);
      checkImages = quantizeImages(header, images.evaluation.data.subarray(0, count * perImage));
      expected = outputTensors(header, fixed.slice(0, count));
    } finally {
      loaded.model.dispose();
    }
    const version = boardDeploymentVersion(createdAt, report.package.sha256);
    report.deployment.version = version;
    staging = stagingDir(runDir, version);
    await mkdir(staging, { recursive: true });
    await writeFile(join(staging, PACKAGE_FILE), bytes);

    emit('connect', `logging in to ${deviceId} and starting its agent`);
    connection = await timed('connect', () =>
      connectBoard({ deviceId, store: request.store ?? defaultBoardStore(), timeouts: request.consoleTimeouts, signal, onStep: (message) => emit('connect', message) }),
    );
    const { client } = connection;
    const hello = client.hello;
    report.board = { model: hello.board.model, hostname: hello.board.hostname, kernel: hello.board.kernel, ip: connection.agent.ip, agentVersion: hello.agentVersion, accelerator: hello.accelerator };
    report.deployment.boardPreviousSha256 = hello.activePackage?.sha256 ?? null;

    emit('push', `uploading ${(bytes.length / 1e6).toFixed(2)} MB`);
    const started = performance.now();
    const active = await timed('upload', () => client.upload(bytes, { timeoutMs: 120_000, signal }));
    uploaded = true;
    emit('verify', `the board activated ${active.sha256.slice(0, 12)} (${active.format})`);
    report.upload = { sha256: active.sha256, format: active.format, sizeBytes: active.sizeBytes, seconds: (performance.now() - started) / 1000 };
    if (active.sha256 !== report.package.sha256 || active.format !== BOARD_FORMAT_NAME) {
      throw new StudioError('deploy/failed', `The board activated ${active.sha256} (${active.format}), not the uploaded package ${report.package.sha256}.`, { hint: 'Deploy again; if it repeats, restart the board agent.' });
    }

    const runs = request.runs ?? BOARD_DEPLOY_DEFAULTS.runs;
    const warmupRuns = request.warmupRuns ?? BOARD_DEPLOY_DEFAULTS.warmupRuns;
    emit('benchmark', `timing ${runs} runs`);
    const measurement = await timed('run', () => client.run({ runs, warmupRuns }, { timeoutMs: 300_000, signal }));
    const budget = request.budgetMs === undefined ? await readRunBudget(runDir) : { budgetMs: request.budgetMs, predictedMs: null, source: 'given' };
    report.latency = {
      ...measurement.stats,
      runs,
      warmupRuns,
      samplesMs: measurement.samples.map((sample) => sample.totalMs),
      budgetMs: budget.budgetMs,
      budgetSource: budget.source,
      withinBudget: budget.budgetMs === null ? null : measurement.stats.meanMs <= budget.budgetMs,
    };

    emit('outputs', `checking the board's outputs on ${checkImages.length / runner.header.model.inChannels / runner.header.model.imageSize ** 2} image(s) against the reference runner`);
    const inferStarted = performance.now();
    const actual = await timed('infer', () => client.infer([imageTensor(runner.header, checkImages)], { timeoutMs: 300_000, signal }));
    const problems = compareWireTensors(expected, actual);
    report.bitExact = { images: expected[0]?.shape[0] ?? 0, identical: problems.length === 0, problems, boardSeconds: (performance.now() - inferStarted) / 1000 };
    if (problems.length > 0) {
      throw new StudioError('deploy/failed', `The board's outputs differ from the reference runner's: ${problems.join('; ')}.`, {
        hint: "The board's accelerator program and the studio disagree on the package semantics; update the board image to this studio version.",
      });
    }

    emit('activate', `making ${version} the run's current board deployment`);
    await writeJsonAtomically(join(staging, VERSION_REPORT_FILE), { ...report, status: 'deployed' });
    await rename(staging, versionDir(runDir, version));
    staging = null;
    await writeCurrentVersion(runDir, version);
    report.status = 'deployed';
    report.deployment.current = version;
  } catch (error) {
    report.error = toSerializedError(error);
    if (uploaded && connection !== null) {
      const restore = await restoreBoard(connection, runDir, report.deployment.boardPreviousSha256, previous);
      report.deployment.restoredOnBoard = restore.restored;
      report.deployment.restoreProblem = restore.problem;
    }
  } finally {
    if (staging !== null) await rm(staging, { recursive: true, force: true });
    if (connection !== null) await connection.close();
  }
  await mkdir(deploymentsDir(runDir), { recursive: true });
  if (report.status === 'deployed' && report.deployment.version !== null) await writeJsonAtomically(join(versionDir(runDir, report.deployment.version), VERSION_REPORT_FILE), report);
  const reportPath = join(runDir, LATEST_REPORT_FILE);
  await writeJsonAtomically(reportPath, report);
  if (report.status === 'failed') {
    const cause = report.error;
    throw new StudioError(cause?.code ?? 'deploy/failed', cause?.message ?? 'The board deployment failed.', {
      details: { reportPath, previous, restoredOnBoard: report.deployment.restoredOnBoard },
      hint: cause?.hint ?? `See ${reportPath}; the previous deployment (${previous ?? 'none'}) stays current.`,
    });
  }
  emit('done', `deployed ${report.deployment.version} to ${deviceId}`);
  return { report, reportPath };
}
