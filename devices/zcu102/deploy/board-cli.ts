/**
 * The board's share of `spvit export|profile|deploy`: its extra flags and the summaries printed.
 * Takes parsed flags as plain values (devices/ does not import the CLI).
 */
import { StudioError } from '../../../core/shared/errors';

import type { BoardDeployReport } from './board-deploy-report';
import type { BoardFileResult } from './export-board-file';

type FlagValues = { values: Record<string, unknown> };

function text(args: FlagValues, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

function count(args: FlagValues, name: string, max: number): number | undefined {
  const raw = text(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new StudioError('input/invalid', `--${name} must be an integer from 0 to ${max}, got '${raw}'.`);
  return value;
}

export interface BoardFlags {
  imagesPath: string | undefined;
  method: 'max' | 'percentile' | undefined;
  calibrationImages: number | undefined;
  evaluationImages: number | undefined;
  activationBits: 8 | 12 | undefined;
}

/** --images, --calibration, --calibration-images, --check-images, --activation-bits (export and deploy). */
export function boardFlags(args: FlagValues): BoardFlags {
  const method = text(args, 'calibration');
  if (method !== undefined && method !== 'max' && method !== 'percentile') {
    throw new StudioError('input/invalid', `--calibration must be max or percentile, got '${method}'.`, { hint: 'percentile (99.99th of |x|) is the default for 8-bit activations, max for 12-bit.' });
  }
  const bits = text(args, 'activation-bits');
  if (bits !== undefined && bits !== '8' && bits !== '12') {
    throw new StudioError('input/invalid', `--activation-bits must be 8 or 12, got '${bits}'.`, { hint: '8 is the int8 datapath; 12 trades accelerator throughput for accuracy.' });
  }
  return {
    imagesPath: text(args, 'images'),
    method,
    calibrationImages: count(args, 'calibration-images', 10_000),
    evaluationImages: count(args, 'check-images', 100_000),
    activationBits: bits === undefined ? undefined : (Number(bits) as 8 | 12),
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

export function describeAccuracy(accuracy: { top1Agreement: number; agreeingImages: number; images: number; relativeRmsLogitError: number; maxAbsLogitError: number; keptTokenOverlap: number[]; source: string }): string {
  const overlap = accuracy.keptTokenOverlap.length === 0 ? '' : `, kept tokens shared ${accuracy.keptTokenOverlap.map(percent).join(' / ')}`;
  return `top-1 agreement ${percent(accuracy.top1Agreement)} (${accuracy.agreeingImages}/${accuracy.images}), logit error ${percent(accuracy.relativeRmsLogitError)} rms (max ${accuracy.maxAbsLogitError.toFixed(4)})${overlap} on ${accuracy.source}`;
}

export function describeBoardExport(result: BoardFileResult): string {
  const { header } = result;
  const { model } = header;
  const lines = [
    `${model.arch} (${header.selectors.length > 0 ? `SPViT top-k, keeps ${model.keptTokens.join('/')} before blocks ${model.selectorBlocks.join(', ')}` : 'dense'}) -> ${result.outPath}: ${(result.sizeBytes / 1e6).toFixed(2)} MB fixed-point package`,
    `  input    int8 image [${model.inChannels}, ${model.imageSize}, ${model.imageSize}], scale ${header.input.scale.toPrecision(4)}`,
    `  output   int32 logits [${model.numClasses}], scale ${header.output.scale.toPrecision(4)}`,
    `  int8 weights (${header.calibration.weightRounding} rounding), ${header.arithmetic.activationBits}-bit activations, int16 residual${header.calibration.outputBiasCorrection ? ', head bias corrected' : ''}`,
    `  calibrated on ${header.calibration.images} image(s) (${header.calibration.method}${header.calibration.percentile === null ? '' : ` ${header.calibration.percentile}`}): ${header.calibration.source}`,
    result.accuracy === null ? '  accuracy not checked' : `  accuracy ${describeAccuracy(result.accuracy)} -> ${result.accuracyPath}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function describeBoardDeploy(report: BoardDeployReport, reportPath: string): string {
  const lines = [`deployed ${report.deployment.version ?? '?'} to ${report.deviceId} (${report.board?.model ?? 'board'}, ${report.board?.accelerator.id ?? '?'}${report.board?.accelerator.simulated === true ? ', simulated' : ''}); previous: ${report.deployment.previous ?? 'none'}`];
  if (report.accuracy !== null) lines.push(`  accuracy     ${describeAccuracy(report.accuracy)}`);
  const latency = report.latency;
  if (latency !== null) {
    const budget = latency.budgetMs === null ? 'no budget' : `budget ${latency.budgetMs.toFixed(2)} ms: ${latency.withinBudget === true ? 'within' : 'OVER'}`;
    lines.push(`  latency      ${latency.meanMs.toFixed(2)} ms mean over ${latency.count} runs (accelerator ${latency.meanAcceleratorMs.toFixed(2)} ms, ARM ${latency.meanCpuMs.toFixed(2)} ms), ${budget}`);
  }
  if (report.bitExact !== null) lines.push(`  bit-exact    ${report.bitExact.identical ? 'identical' : 'DIFFERENT'} outputs on ${report.bitExact.images} image(s)`);
  lines.push(`  report       ${reportPath}`);
  return `${lines.join('\n')}\n`;
}
