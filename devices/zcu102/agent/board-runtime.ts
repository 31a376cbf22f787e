/**
 * The seam between the board agent and whatever executes models: the FPGA accelerator on a real
 * board, the cycle-model simulator in `spvit sim zcu102`. The agent stores packages, checks hashes
 * and speaks the protocol; a BoardRuntime only runs what it is given.
 */
import type {
  ActivePackageInfo,
  BoardAcceleratorInfo,
  BoardBlockType,
  BoardLatencySample,
  BoardModelShape,
  BoardTensor,
} from '../protocol/board-types';

/** Package bytes whose SHA-256 the agent has already checked. */
export interface BoardPackage {
  bytes: Uint8Array;
  sha256: string;
}

export type BoardWorkload =
  | { kind: 'package' }
  | { kind: 'block'; blockType: BoardBlockType; tokens: number; model: BoardModelShape };

export interface BoardRunOptions {
  signal: AbortSignal;
}

export interface BoardTimingOptions extends BoardRunOptions {
  runs: number;
  warmupRuns: number;
}

export interface BoardRuntime {
  readonly accelerator: BoardAcceleratorInfo;
  /**
   * Makes `pkg` the active package. All or nothing: when it throws, the previous package stays
   * active. Throws an error with code `data/corrupt` or `model/unsupported` for packages it cannot use.
   */
  load(pkg: BoardPackage): Promise<ActivePackageInfo>;
  /** Runs the active package on one input set. Throws `model/unsupported` when it cannot. */
  infer(inputs: readonly BoardTensor[], options: BoardRunOptions): Promise<BoardTensor[]>;
  /**
   * Latency of `runs` executions of the workload (after `warmupRuns` not reported). The FPGA
   * runtime measures them; the simulator computes them from its cycle model with seeded noise.
   */
  estimateLatency(workload: BoardWorkload, options: BoardTimingOptions): Promise<BoardLatencySample[]>;
}

/** Reads one package format for a runtime; a runtime holds a list and uses the first that fits. */
export interface BoardPackageReader {
  readonly format: string;
  canRead(bytes: Uint8Array): boolean;
  read(bytes: Uint8Array): ReadBoardPackage;
}

export interface ReadBoardPackage {
  model: BoardModelShape;
  /** The bit-exact reference semantics of the package; absent for latency-only packages. */
  runner: BoardReferenceRunner | null;
}

/** Computes a package's outputs exactly as the fixed-point accelerator does (integer semantics). */
export interface BoardReferenceRunner {
  run(inputs: readonly BoardTensor[], options: BoardRunOptions): Promise<BoardTensor[]>;
}
