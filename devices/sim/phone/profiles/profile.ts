/** What a simulated phone is made of: identity, CPU clusters, memory, thermals, adb and tool versions. */

export interface SimCpuCluster {
  /** e.g. 'Cortex-A76'. */
  coreName: string;
  cores: number;
  maxFreqKHz: number;
  minFreqKHz: number;
  /** /proc/cpuinfo "CPU implementer" and "CPU part", e.g. '0x41' and '0xd0b'. */
  implementer: string;
  part: string;
  /** Peak fp32 FLOP per cycle of one core (2 x 128-bit FMA pipes = 16). */
  fp32FlopsPerCycle: number;
  /** Fraction of peak a large, well-shaped GEMM micro-kernel reaches on this core. */
  gemmEfficiency: number;
  /** XNNPACK f32 GEMM micro-kernel tile: rows (mr) x columns (nr). */
  gemmTileRows: number;
  gemmTileColumns: number;
  /** Streaming bandwidth one core sustains from L2/L3, GB/s. */
  cacheBandwidthGBps: number;
  /** Active power of one fully busy core at max clock, watts (drives the thermal model). */
  activePowerW: number;
}

export interface SimThermalZone {
  /** /sys/class/thermal/thermal_zoneN/type */
  type: string;
  /** How much of the CPU's rise above ambient this zone sees (battery lags and sees less). */
  couplingToCpu: number;
}

export interface SimPhoneProfile {
  id: string;
  description: string;
  /** getprop values (ro.product.model, ro.soc.model, ...). */
  properties: Record<string, string>;
  /** Clusters in cpu number order: cluster 0 is cpu0..cpuN-1, and so on. */
  clusters: SimCpuCluster[];
  memory: {
    /** Effective DRAM bandwidth for streaming weights, GB/s. */
    dramBandwidthGBps: number;
    /** Last-level cache shared by the clusters; working sets below it stream at cache speed. */
    lastLevelCacheKB: number;
    totalMemoryKB: number;
  };
  thermal: {
    ambientC: number;
    /** Temperature of the idle phone. */
    idleC: number;
    /** Steady-state rise per watt, degrees C per W. */
    resistanceCPerW: number;
    /** Time constant of heating and cooling, seconds. */
    timeConstantS: number;
    /** Above this CPU temperature the governor lowers clocks. */
    throttleStartC: number;
    /** Clock reduction per degree above throttleStartC (0.02 = 2 %/C). */
    throttleSlopePerC: number;
    minClockScale: number;
    zones: SimThermalZone[];
  };
  battery: {
    levelPercent: number;
    voltageMv: number;
    technology: string;
    /** dumpsys battery status: 2 charging, 3 discharging, 5 full. */
    status: number;
    acPowered: boolean;
    usbPowered: boolean;
  };
  gpu: {
    name: string;
    /** Sustained fp32 GFLOP/s of the TFLite GPU delegate on transformer-sized matmuls. */
    fp32Gflops: number;
    /** Fixed cost per inference (command buffer submit, sync), microseconds. */
    perInferenceOverheadUs: number;
  };
  runtime: {
    /** Which benchmark_model output format the installed binary prints. */
    benchmarkVersion: BenchmarkOutputVersion;
    /** Interpreter + XNNPACK dispatch cost per operator, microseconds. */
    perOpOverheadUs: number;
    /** Thread-pool wake-up and barrier per parallel operator, microseconds per extra thread. */
    threadSyncUs: number;
    /** Run-to-run noise (relative standard deviation) and chance of an outlier run. */
    noiseRelative: number;
    outlierProbability: number;
    /** Model load + XNNPACK weight packing, milliseconds per MB of model plus a fixed part. */
    initMsPerMB: number;
    initBaseMs: number;
  };
  adb: {
    /** 0x01000001 on Android 9+, 0x01000000 before (checksums on). */
    protocolVersion: number;
    maxPayloadBytes: number;
    features: string[];
  };
}

export type BenchmarkOutputVersion = 'old' | 'new' | 'info-prefixed';

/**
 * Applies a JSON override onto a base profile, checking that every overridden value has the type of
 * the value it replaces (the base is the schema). Arrays replace whole arrays of the same kind.
 */
export function mergeProfile<T>(base: T, override: unknown, path = 'profile'): T {
  if (override === undefined) return base;
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw new Error(`${path} must be an array`);
    const template = base[0];
    return override.map((item, index) => (template === undefined ? item : mergeProfile(template, item, `${path}[${index}]`))) as T;
  }
  if (typeof base === 'object' && base !== null) {
    if (typeof override !== 'object' || override === null || Array.isArray(override)) throw new Error(`${path} must be an object`);
    const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override)) {
      const baseValue = (base as Record<string, unknown>)[key];
      if (baseValue === undefined) {
        if (path.endsWith('properties')) {
          if (typeof value !== 'string') throw new Error(`${path}.${key} must be a string`);
          result[key] = value;
          continue;
        }
        throw new Error(`${path}.${key} is not a profile field`);
      }
      result[key] = mergeProfile(baseValue, value, `${path}.${key}`);
    }
    return result as T;
  }
  if (typeof override !== typeof base) throw new Error(`${path} must be a ${typeof base}`);
  return override as T;
}

/** Number of cores of the whole phone. */
export function coreCount(profile: SimPhoneProfile): number {
  return profile.clusters.reduce((sum, cluster) => sum + cluster.cores, 0);
}

/** The cluster that cpu `index` belongs to. */
export function clusterOfCpu(profile: SimPhoneProfile, index: number): SimCpuCluster {
  let first = 0;
  for (const cluster of profile.clusters) {
    if (index < first + cluster.cores) return cluster;
    first += cluster.cores;
  }
  throw new RangeError(`cpu${index} does not exist on ${profile.id}`);
}
