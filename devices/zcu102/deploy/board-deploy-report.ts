/** What a board deployment records in the run folder (see board-deploy-layout.ts for where). */
import type { AccuracyReport } from '../../../core/export/board/index';
import type { SerializedError } from '../../../core/shared/errors';
import type { BoardAcceleratorInfo, LatencyStats } from '../protocol/board-types';

export interface BoardDeployReport {
  format: 'spvit-board-deploy-report';
  version: 1;
  status: 'deployed' | 'failed';
  createdAt: string;
  runDir: string;
  deviceId: string;
  board: { model: string; hostname: string; kernel: string; ip: string; agentVersion: string; accelerator: BoardAcceleratorInfo } | null;
  model: { architecture: string; arch: string; mode: 'dense' | 'topk'; selectorBlocks: number[]; keptTokens: number[]; weightsSha256: string; configSource: string };
  package: {
    sha256: string;
    sizeBytes: number;
    format: string;
    calibration: { method: string; percentile: number | null; images: number; source: string; weightRounding: string; outputBiasCorrection: boolean };
    activationBits: number;
    inputScale: number;
    outputScale: number;
  } | null;
  /** The package against the float model, computed on the host before anything is uploaded. */
  accuracy: (Omit<AccuracyReport, 'disagreements'> & { disagreements: AccuracyReport['disagreements']; evaluationIncludesCalibration: boolean; referenceKernel: string }) | null;
  upload: { sha256: string; format: string; sizeBytes: number; seconds: number } | null;
  latency: (LatencyStats & { runs: number; warmupRuns: number; samplesMs: number[]; budgetMs: number | null; budgetSource: string; withinBudget: boolean | null }) | null;
  /** The board's outputs (logits and kept tokens) against the reference runner's, byte for byte. */
  bitExact: { images: number; identical: boolean; problems: string[]; boardSeconds: number } | null;
  deployment: {
    version: string | null;
    /** The run's live deployment before and after this attempt. */
    previous: string | null;
    current: string | null;
    /** The package the board ran before, and whether it was put back after a failure. */
    boardPreviousSha256: string | null;
    restoredOnBoard: boolean | null;
    /** Why the previous package could not be put back (null when it was, or nothing needed it). */
    restoreProblem: string | null;
  };
  timingsMs: Record<string, number>;
  error: SerializedError | null;
}
