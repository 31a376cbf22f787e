/**
 * Time of one GEMM (C[m x n] += A[m x k] B[k x n], `batch` times) the way XNNPACK runs it: the
 * output is cut into tiles of mr rows x nc columns, a partial tile costs as much as a full one
 * (tile quantisation: latency is a staircase in m, i.e. in the token count), and the tiles are
 * shared out to the worker threads by work stealing, so fast cores take more tiles than slow ones.
 */
import type { WorkerCore } from './estimator';

export interface GemmShape {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** B is a constant (packed once at init); otherwise it is packed on every run. */
  constantWeights: boolean;
}

export interface MemorySystem {
  dramBandwidthGBps: number;
  lastLevelCacheKB: number;
}

/** XNNPACK aims for about this many tiles per thread so that work stealing can balance. */
const TARGET_TILES_PER_THREAD = 5;
/** Extra cost per k step outside the inner loop (loads of A, the tile epilogue), in k units. */
const K_OVERHEAD = 24;
/** A GEMM whose B is packed at run time (attention) loses this much efficiency. */
const DYNAMIC_PACKING_EFFICIENCY = 0.8;

export function divideRoundUp(value: number, divisor: number): number {
  return Math.ceil(value / divisor);
}

/** Column tile width: all columns, unless there are too few row tiles to keep the threads busy. */
export function columnTileWidth(shape: GemmShape, threads: number, tile: { rows: number; columns: number }): { nc: number; rowTiles: number } {
  const mr = tile.rows;
  const tileColumns = tile.columns;
  const rowTiles = shape.batch * divideRoundUp(shape.m, mr);
  let nc = shape.n;
  if (threads > 1) {
    const columnTilesWanted = divideRoundUp(threads * TARGET_TILES_PER_THREAD, rowTiles);
    if (columnTilesWanted > 1) nc = tileColumns * divideRoundUp(divideRoundUp(shape.n, tileColumns), columnTilesWanted);
  }
  return { nc: Math.max(tileColumns, nc), rowTiles };
}

interface TileContext {
  shape: GemmShape;
  memory: MemorySystem;
  /** Workers sharing the DRAM bandwidth. */
  sharingCores: number;
}

/** Microseconds one core needs for one mr x nc tile over the full k. */
function tileTimeUs(core: WorkerCore, nc: number, context: TileContext): number {
  const { shape, memory, sharingCores } = context;
  const { cluster } = core;
  const mr = cluster.gemmTileRows;
  const paddedColumns = divideRoundUp(nc, cluster.gemmTileColumns) * cluster.gemmTileColumns;
  const flops = 2 * mr * paddedColumns * shape.k;
  const efficiency = cluster.gemmEfficiency * (shape.k / (shape.k + K_OVERHEAD)) * (shape.constantWeights ? 1 : DYNAMIC_PACKING_EFFICIENCY);
  const flopsPerUs = (cluster.maxFreqKHz / 1000) * cluster.fp32FlopsPerCycle * efficiency;
  const computeUs = flops / flopsPerUs;
  // The tile streams its slice of B (k x nc floats) from the cache hierarchy, or from DRAM when
  // the whole B does not fit in the last-level cache; DRAM bandwidth is shared by the workers.
  const weightBytes = shape.k * shape.n * 4;
  const fitsInCache = weightBytes <= memory.lastLevelCacheKB * 1024;
  const bandwidthGBps = fitsInCache ? cluster.cacheBandwidthGBps : Math.min(cluster.cacheBandwidthGBps, memory.dramBandwidthGBps / sharingCores);
  const memoryUs = (shape.k * paddedColumns * 4) / (bandwidthGBps * 1000);
  return Math.max(computeUs, memoryUs);
}

/** Greedy work stealing: every tile goes to the core that would finish it first. */
function makespanUs(tileCount: number, tileUs: number[]): number {
  const finish = tileUs.map(() => 0);
  for (let tile = 0; tile < tileCount; tile += 1) {
    let best = 0;
    for (let core = 1; core < finish.length; core += 1) {
      if (finish[core]! + tileUs[core]! < finish[best]! + tileUs[best]!) best = core;
    }
    finish[best] = finish[best]! + tileUs[best]!;
  }
  return Math.max(...finish);
}

/** Wall time of the GEMM on `cores` (one thread per core), excluding per-operator overhead. */
export function gemmTimeUs(shape: GemmShape, cores: WorkerCore[], memory: MemorySystem): number {
  const first = cores[0];
  if (first === undefined || shape.m <= 0 || shape.n <= 0 || shape.k <= 0) return 0;
  const { nc } = columnTileWidth(shape, cores.length, { rows: first.cluster.gemmTileRows, columns: first.cluster.gemmTileColumns });
  const mr = first.cluster.gemmTileRows;
  const tiles = shape.batch * divideRoundUp(shape.m, mr) * divideRoundUp(shape.n, nc);
  const lastColumns = shape.n - (divideRoundUp(shape.n, nc) - 1) * nc;
  const context: TileContext = { shape, memory, sharingCores: cores.length };
  const fullUs = cores.map((core) => tileTimeUs(core, nc, context));
  const averageUs = fullUs.map((full, index) => {
    // The last column tile is narrower; spread its saving over the tiles.
    const narrow = tileTimeUs(cores[index]!, lastColumns, context);
    const columnTiles = divideRoundUp(shape.n, nc);
    return (full * (columnTiles - 1) + narrow) / columnTiles;
  });
  let packingUs = 0;
  if (!shape.constantWeights) {
    // Packing B (k x n per batch) before the GEMM, spread over the workers.
    const packBytes = shape.batch * shape.k * shape.n * 4 * 2;
    const bandwidth = cores.reduce((sum, core) => sum + core.cluster.cacheBandwidthGBps, 0);
    packingUs = packBytes / (bandwidth * 1000);
  }
  return makespanUs(tiles, averageUs) + packingUs;
}
