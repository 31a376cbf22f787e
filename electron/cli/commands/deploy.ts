/** `spvit deploy`: exports a run's model, installs it on a phone, measures it, writes deploy-report.json. */
import { StudioError } from '../../../core/shared/errors';
import { initTensorBackend } from '../../../core/tensor/backend';
import { deployAndroid } from '../../../devices/android/deploy/deploy-android';
import { AdbServerHub } from '../../../devices/android/node-adb-server';
import { boardFlags, describeBoardDeploy } from '../../../devices/zcu102/deploy/board-cli';
import { deployZcu102 } from '../../../devices/zcu102/deploy/deploy-board';
import { integerFlag, requiredFlag, stringFlag } from '../arguments';

import type { DeployReport } from '../../../devices/android/deploy/deploy-report';
import type { CliCommand } from '../command';

function describe(report: DeployReport, reportPath: string): string {
  const lines = [`deployed ${report.deployment.version} to ${report.device.serial}:${report.deployment.path ?? '?'} (previous: ${report.deployment.previous ?? 'none'})`];
  const latency = report.latency;
  if (latency !== null) {
    const budget = report.budget.budgetMs === null ? 'no budget' : `budget ${report.budget.budgetMs.toFixed(2)} ms: ${latency.withinBudget === true ? 'within' : 'OVER'} by ${Math.abs(latency.marginMs ?? 0).toFixed(2)} ms`;
    lines.push(`  latency      ${latency.meanMs.toFixed(2)} ms mean over ${latency.count} runs (min ${latency.minMs?.toFixed(2) ?? '?'}, max ${latency.maxMs?.toFixed(2) ?? '?'}), ${budget}`);
  }
  const host = report.hostCheck;
  lines.push(`  host check   ${host === null ? 'not run' : host.available ? `${host.runtime}: max relative error ${host.maxRelativeError.toExponential(2)} on ${host.images} image(s)` : `not available: ${host.reason}`}`);
  const device = report.onDeviceCheck;
  lines.push(`  device check ${device === null ? 'not run' : device.available ? `max relative error ${device.maxRelativeError.toExponential(2)}` : `not available: ${device.reason}`}`);
  lines.push(`  report       ${reportPath}`);
  return `${lines.join('\n')}\n`;
}

export const deployCommand: CliCommand = {
  name: 'deploy',
  summary: 'deploys the model of a run to a device',
  usage:
    'spvit deploy --device ID --model RUN_DIR [--runs N] [--warmup N] [--threads N] [--budget-ms X] [--benchmark-binary PATH]\n  zcu102@PATH: [--images X.npy] [--calibration max|percentile] [--calibration-images N] [--check-images N] [--activation-bits 8|12] [--min-agreement F]',
  options: {
    device: { type: 'string' },
    model: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    'budget-ms': { type: 'string' },
    'benchmark-binary': { type: 'string' },
    backend: { type: 'string' },
    images: { type: 'string' },
    calibration: { type: 'string' },
    'calibration-images': { type: 'string' },
    'check-images': { type: 'string' },
    'min-agreement': { type: 'string' },
    'activation-bits': { type: 'string' },
  },
  async run(args, io) {
    const device = requiredFlag(args, 'device');
    const runDir = requiredFlag(args, 'model');
    const rawBudget = stringFlag(args, 'budget-ms');
    const budgetMs = rawBudget === undefined ? undefined : Number(rawBudget);
    if (budgetMs !== undefined && !(budgetMs > 0)) throw new StudioError('input/invalid', `--budget-ms must be a positive number, got '${rawBudget}'.`);
    await initTensorBackend({ backend: stringFlag(args, 'backend') });
    if (device.startsWith('zcu102@')) {
      const rawAgreement = stringFlag(args, 'min-agreement');
      const minAgreement = rawAgreement === undefined ? undefined : Number(rawAgreement);
      if (minAgreement !== undefined && !(minAgreement >= 0 && minAgreement <= 1)) throw new StudioError('input/invalid', `--min-agreement must be a fraction from 0 to 1, got '${rawAgreement}'.`);
      const result = await deployZcu102({
        deviceId: device,
        runDir,
        ...boardFlags(args),
        minAgreement,
        runs: integerFlag(args, 'runs', { min: 1, max: 10_000 }),
        warmupRuns: integerFlag(args, 'warmup', { min: 0, max: 1_000 }),
        budgetMs,
        signal: io.signal,
        onEvent: (event) => io.stderr.write(`[${event.phase}] ${event.message}\n`),
      });
      io.stdout.write(describeBoardDeploy(result.report, result.reportPath));
      return 0;
    }
    const result = await deployAndroid({
      hub: new AdbServerHub(),
      serial: device,
      runDir,
      runs: integerFlag(args, 'runs', { min: 1, max: 10_000 }),
      warmupRuns: integerFlag(args, 'warmup', { min: 0, max: 1_000 }),
      threads: integerFlag(args, 'threads', { min: 1, max: 64 }),
      budgetMs,
      benchmarkBinary: stringFlag(args, 'benchmark-binary'),
      env: process.env,
      signal: io.signal,
      onEvent: (event) => {
        io.stderr.write(`[${event.phase}] ${event.message}\n`);
      },
    });
    io.stdout.write(describe(result.report, result.reportPath));
    return 0;
  },
};
