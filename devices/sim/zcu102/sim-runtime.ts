/**
 * The simulated board's BoardRuntime: latency from the cycle model plus seeded noise; outputs only
 * from a package reader that brings a bit-exact reference runner. It never invents outputs.
 */
import { latencyOnlyReader } from '../../zcu102/agent/latency-only-reader';
import { AgentError } from '../../zcu102/protocol/frame-error';
import { zcu102AcceleratorConfig } from './accelerator-config';
import { modelCost, unitCost } from './cycle-model';
import { SeededRandom } from './seeded-random';

import type { ActivePackageInfo, BoardAcceleratorInfo, BoardLatencySample, BoardTensor } from '../../zcu102/protocol/board-types';
import type {
  BoardPackage,
  BoardPackageReader,
  BoardReferenceRunner,
  BoardRunOptions,
  BoardRuntime,
  BoardTimingOptions,
  BoardWorkload,
} from '../../zcu102/agent/board-runtime';
import type { AcceleratorConfig } from './accelerator-config';
import type { CostBreakdown } from './cycle-model';

export interface SimRuntimeOptions {
  seed: number;
  config?: AcceleratorConfig;
  /** Package formats it understands, first match wins; latency-only packages are always understood. */
  readers?: readonly BoardPackageReader[];
}

interface ActivePackage {
  info: ActivePackageInfo;
  runner: BoardReferenceRunner | null;
}

export class SimAcceleratorRuntime implements BoardRuntime {
  readonly accelerator: BoardAcceleratorInfo;
  private readonly config: AcceleratorConfig;
  private readonly random: SeededRandom;
  private readonly readers: readonly BoardPackageReader[];
  private active: ActivePackage | null = null;

  constructor(options: SimRuntimeOptions) {
    this.config = options.config ?? zcu102AcceleratorConfig();
    this.random = new SeededRandom(options.seed);
    this.readers = [...(options.readers ?? []), latencyOnlyReader];
    this.accelerator = {
      id: this.config.id,
      clockMHz: this.config.clockMHz,
      macRows: this.config.macRows,
      macCols: this.config.macCols,
      simulated: true,
    };
  }

  load(pkg: BoardPackage): Promise<ActivePackageInfo> {
    const reader = this.readers.find((candidate) => candidate.canRead(pkg.bytes));
    if (reader === undefined) {
      return Promise.reject(
        new AgentError('model/unsupported', 'The simulated board does not know this package format.', {
          hint: `Formats it reads: ${this.readers.map((candidate) => candidate.format).join(', ')}.`,
        }),
      );
    }
    try {
      const read = reader.read(pkg.bytes);
      const info: ActivePackageInfo = { sha256: pkg.sha256, sizeBytes: pkg.bytes.length, format: reader.format, model: read.model };
      this.active = { info, runner: read.runner };
      return Promise.resolve(info);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  infer(inputs: readonly BoardTensor[], options: BoardRunOptions): Promise<BoardTensor[]> {
    if (this.active === null) {
      return Promise.reject(new AgentError('input/not-found', 'No package is active on the board.'));
    }
    if (this.active.runner === null) {
      return Promise.reject(
        new AgentError('model/unsupported', `The active package (${this.active.info.format}) has no weights, so the simulated board cannot compute outputs for it.`, {
          hint: 'Upload a fixed-point package; the simulator computes its outputs with the bit-exact reference runner.',
        }),
      );
    }
    return this.active.runner.run(inputs, options);
  }

  estimateLatency(workload: BoardWorkload, options: BoardTimingOptions): Promise<BoardLatencySample[]> {
    let cost: CostBreakdown;
    if (workload.kind === 'package') {
      const model = this.active?.info.model ?? null;
      if (model === null) return Promise.reject(new AgentError('input/not-found', 'No package is active on the board.'));
      cost = modelCost(this.config, model);
    } else {
      cost = unitCost(this.config, workload.model, workload);
    }
    const samples: BoardLatencySample[] = [];
    for (let run = 0; run < options.warmupRuns + options.runs; run += 1) {
      if (options.signal.aborted) {
        return Promise.reject(new AgentError('cancelled', 'The timing run was cancelled.'));
      }
      const sample = this.noisy(cost);
      if (run >= options.warmupRuns) samples.push(sample);
    }
    return Promise.resolve(samples);
  }

  private noisy(cost: CostBreakdown): BoardLatencySample {
    const { noise } = this.config;
    const acceleratorMs = cost.acceleratorMs * Math.max(0.9, 1 + noise.acceleratorJitter * this.random.gaussian());
    let cpuMs = cost.cpuMs * Math.max(0.5, 1 + noise.cpuJitter * this.random.gaussian());
    if (this.random.next() < noise.spikeProbability) {
      cpuMs += noise.spikeFraction * cost.totalMs * (0.5 + this.random.next());
    }
    return { totalMs: acceleratorMs + cpuMs, acceleratorMs, cpuMs };
  }
}
