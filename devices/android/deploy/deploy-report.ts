/**
 * deploy-report.json in the run folder: what was deployed where, measured latency against the
 * budget, the device's identity, and the output checks (host runtime vs the studio model; on the
 * device where its benchmark_model can write outputs, else the reason it could not). A failed
 * deploy writes one too, with the error and the deployment that stayed live.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { SerializedError } from '../../../core/shared/errors';
import type { AndroidIdentity } from '../device-info';
import type { HostCheck } from './host-check';

export const DEPLOY_REPORT_FILE = 'deploy-report.json';

export interface LatencyStats {
  meanMs: number;
  stdMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  count: number;
  firstMs: number | null;
  warmupMeanMs: number | null;
  initMs: number | null;
}

export type OnDeviceCheck =
  | { available: true; images: number; maxRelativeError: number; sameTopClass: boolean; tolerance: number; passed: boolean; command: string }
  | { available: false; reason: string; command: string | null };

export interface DeployReport {
  format: 'spvit-deploy-report';
  version: 1;
  status: 'deployed' | 'failed';
  createdAt: string;
  runDir: string;
  device: { serial: string; identity: AndroidIdentity | null; temperatureBeforeC: number | null; temperatureAfterC: number | null };
  model: {
    architecture: string;
    mode: 'dense' | 'topk';
    modelSha256: string;
    sizeBytes: number;
    weightsSha256: string;
    input: { name: string; shape: number[]; layout: string };
    outputShape: number[];
    tokensPerBlock: number[];
  };
  deployment: {
    version: string;
    path: string | null;
    /** The version live before this deploy, and the one live after it. */
    previous: string | null;
    current: string | null;
    /** How the pushed file was checked on the phone. */
    verified: string | null;
  };
  budget: { budgetMs: number | null; predictedMs: number | null; source: string };
  latency: (LatencyStats & { command: string; threads: number; cpuMask: string | null; delegate: string | null; withinBudget: boolean | null; marginMs: number | null }) | null;
  hostCheck: HostCheck | null;
  onDeviceCheck: OnDeviceCheck | null;
  /** benchmark_model's output, kept with the report. */
  raw: string | null;
  error: SerializedError | null;
}

export async function writeDeployReport(runDir: string, report: DeployReport): Promise<string> {
  const path = join(runDir, DEPLOY_REPORT_FILE);
  const temporary = `${path}.partial`;
  await writeFile(temporary, `${JSON.stringify(report, null, 1)}\n`, 'utf8');
  await rename(temporary, path);
  return path;
}
