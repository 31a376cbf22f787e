/** The simulated ZCU102 accelerator's parameters (one instance per simulator, never shared). */

export interface AcceleratorNoise {
  /** Relative standard deviation of the accelerator's time per run. */
  acceleratorJitter: number;
  /** Relative standard deviation of the ARM side (scheduling, caches). */
  cpuJitter: number;
  /** Chance per run of an interrupt or DDR refresh burst landing in the run. */
  spikeProbability: number;
  /** Size of such a burst, relative to the run's total time. */
  spikeFraction: number;
}

export interface AcceleratorConfig {
  id: string;
  clockMHz: number;
  /** Output rows (tokens) a tile of the int8 MAC array computes at once. */
  macRows: number;
  /** Output channels a tile computes at once. */
  macCols: number;
  /** Pipeline fill and drain plus tile switching, per output tile. */
  tileOverheadCycles: number;
  /** Sustained DDR4 bandwidth through the PS high-performance ports. */
  ddrGBps: number;
  /** On-chip (BRAM) weight buffer; a layer whose weights do not fit re-reads its inputs per slice. */
  weightBufferBytes: number;
  /** Elements per cycle of the non-linear units. */
  softmaxLanes: number;
  geluLanes: number;
  layerNormLanes: number;
  /** Latency of a non-linear unit's pipeline, per operation. */
  nonlinearPipelineCycles: number;
  /** ARM time to launch one accelerator operation (registers, DMA descriptors, completion IRQ). */
  opLaunchUs: number;
  /** ARM Cortex-A53 copy bandwidth for token gathers and patch extraction. */
  cpuCopyGBps: number;
  /** Fixed ARM cost of one CPU-side step. */
  cpuOpUs: number;
  noise: AcceleratorNoise;
}

/**
 * 32×32 int8 MACs (two MACs per DSP48E2, 512 of the ZU9EG's 2,520 DSPs) at 250 MHz, 1 MiB of weight
 * buffer, DDR4 at an effective 6 GB/s through the HP ports. Dense DeiT-S comes out near 25 ms (a test holds it within 18-30 ms).
 */
export function zcu102AcceleratorConfig(): AcceleratorConfig {
  return {
    id: 'spvit-int8-mac32x32-v1',
    clockMHz: 250,
    macRows: 32,
    macCols: 32,
    tileOverheadCycles: 16,
    ddrGBps: 6,
    weightBufferBytes: 1024 * 1024,
    softmaxLanes: 16,
    geluLanes: 32,
    layerNormLanes: 32,
    nonlinearPipelineCycles: 64,
    opLaunchUs: 6,
    cpuCopyGBps: 1.6,
    cpuOpUs: 15,
    noise: { acceleratorJitter: 0.004, cpuJitter: 0.05, spikeProbability: 0.02, spikeFraction: 0.04 },
  };
}
