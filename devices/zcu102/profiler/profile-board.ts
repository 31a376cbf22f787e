/**
 * `spvit profile --device zcu102@PATH` / latency.profile for a board: connect through the console
 * (login, agent start), then the agent's `profile` verb for every block type over the token grid;
 * the LUT keeps the raw samples (total, accelerator and ARM time), the device identity from hello,
 * and source 'device'. Resumable: points already in the output file are not measured again.
 */
import { StudioError } from '../../../core/shared/errors';
import { lutModelShapeFromSpec } from '../../../core/latency/model-shape';
import { VitConfigSchema } from '../../../core/models/vit/config';
import { specFromTimm } from '../../../core/models/registry';
import { loadModelFolder } from '../../../core/export/tflite/model-folder';

import { BoardLutStore } from './board-lut-store';
import { boardPlan } from './board-plan';
import { connectBoard, defaultBoardStore } from './connect-board';

import type { Lut, LutBlockType, LutDevice, LutModelShape } from '../../../core/latency/lut-schema';
import type { ModelSpec } from '../../../core/models/architecture';
import type { Zcu102BoardStore } from '../board-store';
import type { ConsoleTimeouts } from '../console-agent';
import type { HelloResult } from '../protocol/messages';
import type { BoardModelShape } from '../protocol/board-types';
import type { BoardConnection } from './connect-board';

export const BOARD_PROFILE_DEFAULTS = { runs: 20, warmupRuns: 3, maxPackages: 3 } as const;

export interface BoardProfileEvent {
  phase: 'connect' | 'point' | 'done';
  blockType: LutBlockType | null;
  tokens: number | null;
  meanMs: number | null;
  stdMs: number | null;
  reused: boolean;
  tableIndex: number;
  tableCount: number;
  measuredPoints: number;
  message: string;
}

export interface BoardProfileRequest {
  deviceId: string;
  /** A timm model name, or a model folder (its backbone's shape is profiled); exactly one. */
  arch?: string | undefined;
  modelDir?: string | undefined;
  outPath: string;
  tokens?: readonly number[] | undefined;
  blockTypes?: readonly LutBlockType[] | undefined;
  runs?: number | undefined;
  warmupRuns?: number | undefined;
  maxPackages?: number | undefined;
  store?: Zcu102BoardStore | undefined;
  consoleTimeouts?: Partial<ConsoleTimeouts> | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: BoardProfileEvent) => void) | undefined;
}

export interface BoardProfileResult {
  lut: Lut;
  path: string;
  measured: number;
  reused: number;
}

async function resolveSpec(request: BoardProfileRequest): Promise<{ spec: ModelSpec; name: string | undefined }> {
  if ((request.arch === undefined) === (request.modelDir === undefined)) {
    throw new StudioError('input/invalid', 'Give exactly one of a model name (--arch) or a model folder (--model).', { hint: 'e.g. --arch deit_small_patch16_224' });
  }
  if (request.arch !== undefined) return { spec: specFromTimm(request.arch), name: request.arch };
  const loaded = await loadModelFolder(request.modelDir as string);
  try {
    const backbone = loaded.spvit?.backbone ?? loaded.model;
    return { spec: { architecture: backbone.architecture, config: backbone.config as ModelSpec['config'] }, name: undefined };
  } finally {
    loaded.model.dispose();
  }
}

/** The dense shape the board's profile verb takes. */
export function boardShapeFromSpec(spec: ModelSpec, name: string | undefined): BoardModelShape {
  if (spec.architecture !== 'vit') {
    throw new StudioError('model/unsupported', `The ZCU102 accelerator runs ViT/DeiT models, not '${spec.architecture}'.`, { hint: 'Profile a DeiT backbone for the board.' });
  }
  const c = VitConfigSchema.parse(spec.config);
  return {
    arch: name ?? 'vit',
    imageSize: c.imgSize,
    patchSize: c.patchSize,
    inChannels: c.inChans,
    embedDim: c.embedDim,
    depth: c.depth,
    heads: c.numHeads,
    mlpRatio: c.mlpRatio,
    numClasses: Math.max(1, c.numClasses),
    selectorBlocks: [],
    keptTokens: [],
  };
}

/** The LUT's device identity from the agent's hello. */
export function boardLutDevice(deviceId: string, hello: HelloResult, ip: string): LutDevice {
  const { board, accelerator } = hello;
  return {
    id: deviceId,
    kind: 'zcu102',
    model: board.model,
    soc: /ZCU102/i.test(board.model) ? 'Zynq UltraScale+ XCZU9EG' : null,
    runtime: 'spvit-board-agent',
    runtimeVersion: hello.agentVersion,
    threads: null,
    delegate: accelerator.simulated ? 'fpga-simulated' : 'fpga',
    precision: 'int8',
    batch: 1,
    extra: { accelerator: { ...accelerator }, hostname: board.hostname, kernel: board.kernel, ip, protocolVersion: hello.protocolVersion },
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Profiles over an open connection (the CLI and the backend go through profileZcu102). */
export async function profileConnectedBoard(connection: BoardConnection, request: BoardProfileRequest & { model: LutModelShape; shape: BoardModelShape }): Promise<BoardProfileResult> {
  const { client } = connection;
  const runs = request.runs ?? BOARD_PROFILE_DEFAULTS.runs;
  const warmupRuns = request.warmupRuns ?? BOARD_PROFILE_DEFAULTS.warmupRuns;
  const device = boardLutDevice(request.deviceId, client.hello, connection.agent.ip);
  const store = await BoardLutStore.open(request.outPath, request.model, device, {
    deviceId: request.deviceId,
    boardModel: client.hello.board.model,
    acceleratorId: client.hello.accelerator.id,
    runs,
    warmupRuns,
  });
  const plan = boardPlan({ model: request.model, tileTokens: client.hello.accelerator.macRows, maxPackages: request.maxPackages ?? BOARD_PROFILE_DEFAULTS.maxPackages, tokens: request.tokens, blockTypes: request.blockTypes });
  const tables = [...new Set(plan.map((point) => point.blockType))];
  let measured = 0;
  let reused = 0;
  for (const planned of plan) {
    request.signal?.throwIfAborted();
    const tableIndex = tables.indexOf(planned.blockType);
    const existing = store.get(planned.blockType, planned.tokens);
    let point = existing;
    if (point === undefined) {
      const result = await client.profile({ blockType: planned.blockType, tokens: planned.boardTokens, runs, warmupRuns, model: request.shape }, { timeoutMs: 120_000, signal: request.signal });
      const samplesMs = result.samples.map((sample) => sample.totalMs);
      point = { tokens: planned.tokens, meanMs: result.stats.meanMs, stdMs: result.stats.stdMs, count: samplesMs.length, samplesMs };
      await store.add(planned.blockType, point, {
        boardTokens: planned.boardTokens,
        medianMs: result.stats.medianMs,
        meanAcceleratorMs: mean(result.samples.map((sample) => sample.acceleratorMs)),
        meanCpuMs: mean(result.samples.map((sample) => sample.cpuMs)),
        acceleratorMs: result.samples.map((sample) => sample.acceleratorMs),
        cpuMs: result.samples.map((sample) => sample.cpuMs),
      });
      measured += 1;
    } else {
      reused += 1;
    }
    request.onEvent?.({
      phase: 'point',
      blockType: planned.blockType,
      tokens: planned.tokens,
      meanMs: point.meanMs,
      stdMs: point.stdMs,
      reused: existing !== undefined,
      tableIndex,
      tableCount: tables.length,
      measuredPoints: measured,
      message: `${planned.blockType} N=${planned.tokens}: ${point.meanMs.toFixed(3)} ms${existing === undefined ? '' : ' (from the existing table)'}`,
    });
  }
  const lut = await store.complete();
  request.onEvent?.({ phase: 'done', blockType: null, tokens: null, meanMs: null, stdMs: null, reused: false, tableIndex: tables.length - 1, tableCount: tables.length, measuredPoints: measured, message: `${measured} point(s) measured, ${reused} reused` });
  return { lut, path: request.outPath, measured, reused };
}

export async function profileZcu102(request: BoardProfileRequest): Promise<BoardProfileResult> {
  const { spec, name } = await resolveSpec(request);
  const shape = boardShapeFromSpec(spec, name);
  const model = lutModelShapeFromSpec(spec, name);
  const connection = await connectBoard({
    deviceId: request.deviceId,
    store: request.store ?? defaultBoardStore(),
    timeouts: request.consoleTimeouts,
    signal: request.signal,
    onStep: (message) => request.onEvent?.({ phase: 'connect', blockType: null, tokens: null, meanMs: null, stdMs: null, reused: false, tableIndex: 0, tableCount: 1, measuredPoints: 0, message }),
  });
  try {
    return await profileConnectedBoard(connection, { ...request, model, shape });
  } finally {
    await connection.close();
  }
}
