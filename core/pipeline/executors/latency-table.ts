/**
 * Latency-table node: 'analytic' (FLOPs on a roofline), 'file' (a LUT JSON, checked against the
 * backbone's shape) or 'device' (a profiler supplied by device code). Writes the table into the
 * run folder (lut.json, or lut-<node>.json when a pipeline has several).
 */
import { join } from 'node:path';

import { StudioError } from '../../shared/errors';
import { ROOFLINE_PRESETS, buildAnalyticLut } from '../../latency/analytic-lut';
import { layoutFromModel } from '../../latency/layout';
import { unprunedLatencyMs } from '../../latency/latency-model';
import { readLut, writeLut } from '../../latency/lut-io';
import { compareModelShapes } from '../../latency/model-shape';
import { SHAPE_FLOP_COUNTER, macsOfBlockForShape } from '../../latency/transformer-macs';

import type { MacsOfBlock } from '../../latency/analytic-lut';
import type { Lut, LutModelShape } from '../../latency/lut-schema';
import type { ExecutorContext, NodeExecutor } from '../executors';
import type { BackboneValue, DeviceValue, LatencyTableValue } from '../port-values';

export interface LatencyTableExecutorOptions {
  /** MAC counter for analytic tables; default: core/latency's from the model shape. */
  macsOfBlockFor?: (backbone: BackboneValue) => { macsOfBlock: MacsOfBlock; name: string };
  /** Profiles the device for source 'device' (device code supplies it). */
  profileOnDevice?: (request: { device: DeviceValue; backbone: BackboneValue; tokens: number[] | undefined; runs: number; warmupRuns: number; context: ExecutorContext<'latency-table'> }) => Promise<Lut>;
}

async function produce(context: ExecutorContext<'latency-table'>, backbone: BackboneValue, options: LatencyTableExecutorOptions): Promise<Lut> {
  const config = context.node.config;
  switch (config.source) {
    case 'analytic': {
      const counter = options.macsOfBlockFor?.(backbone) ?? { macsOfBlock: macsOfBlockForShape(backbone.shape), name: SHAPE_FLOP_COUNTER };
      return buildAnalyticLut({
        model: backbone.shape,
        macsOfBlock: counter.macsOfBlock,
        flopCounter: counter.name,
        roofline: config.roofline ?? ROOFLINE_PRESETS[config.preset],
        ...(config.roofline === undefined ? { preset: config.preset } : {}),
      });
    }
    case 'file': {
      const lut = await readLut(context.resolvePath(config.path));
      const problems = compareModelShapes(lut.model, backbone.shape);
      if (problems.length > 0) {
        throw new StudioError('input/invalid', `The latency table ${config.path} was measured for another model shape: ${problems.join('; ')}`, {
          details: { nodeId: context.node.id, field: 'config.path', problems },
          hint: 'Profile the device with this backbone, or use an analytic table.',
        });
      }
      return { ...lut, source: lut.source === 'device' ? 'device' : 'file' };
    }
    case 'device': {
      const device = context.inputs['device'] as DeviceValue | undefined;
      if (options.profileOnDevice === undefined || device === undefined) {
        throw new StudioError('not-implemented', 'Profiling a device is not available in this host', {
          details: { nodeId: context.node.id, field: 'config.source' },
          hint: "Use source 'analytic' or 'file', or run the pipeline where the device layer is present.",
        });
      }
      return options.profileOnDevice({ device, backbone, tokens: config.tokens, runs: config.runs, warmupRuns: config.warmupRuns, context });
    }
  }
}

export function createLatencyTableExecutor(options: LatencyTableExecutorOptions = {}): NodeExecutor<'latency-table'> {
  return {
    kind: 'latency-table',
    async execute(context) {
      const backbone = context.inputs['backbone'] as BackboneValue;
      const lut = await produce(context, backbone, options);
      const tables = context.pipeline.nodes.filter((n) => n.kind === 'latency-table').length;
      const path = join(context.runDir, tables === 1 ? 'lut.json' : `lut-${context.node.id}.json`);
      await writeLut(path, lut);
      const denseMs = unprunedLatencyMs(lut, layoutFromModel(lut.model as LutModelShape, []));
      context.metrics.write({ name: 'latency/dense-ms', value: denseMs, extra: { source: lut.source } });
      const value: LatencyTableValue = { path, source: lut.source, deviceId: lut.device.id, denseMs };
      return { lut: value };
    },
  };
}
