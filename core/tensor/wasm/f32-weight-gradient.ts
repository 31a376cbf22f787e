/**
 * The weight gradient of a linear layer, G = x^T dy, as one hand-assembled WebAssembly SIMD function
 * that reads x and dy in their row-major layout (no transpose), and optionally the bias gradient
 * (column sums of dy) in the same pass.
 *
 * wg(x, dy, g, sums, rows, in, out, chunk, withSums): x [rows][in], dy [rows][out], G [in][out] and
 * sums [out] f32 at byte addresses x, dy, g, sums; out must be a multiple of 4. Rows go in chunks of
 * `chunk` (so the chunk of dy stays in cache while every block of G passes over it); within a chunk,
 * blocks of 4 rows of G x 8 columns (then 1 row, then 4 columns) sit in SIMD registers:
 * acc[a][v] += splat(x[r][i0 + a]) * dy[r][j0 + 4v .. +3] for each row r of the chunk, loaded from
 * and stored back to G between chunks. So every output is the plain sum over r in ascending order
 * starting from 0, one f32 multiply and one f32 add per term (WebAssembly does not fuse them): the
 * same numbers as a scalar Math.fround loop. sums[j] is likewise ((0 + dy[0][j]) + dy[1][j]) + ...
 */
import { TYPE, functionModuleBytes, i32AddInto, op, vector, whileBelow } from './wasm-bytes';

const P = { x: 0, dy: 1, g: 2, sums: 3, rows: 4, in: 5, out: 6, chunk: 7, withSums: 8 } as const;
const L = {
  inBytes: 9, outBytes: 10, rowsLeft: 11, n: 12, xChunk: 13, dyChunk: 14, xChunkBytes: 15, iLeft: 16,
  gRow: 17, xCol: 18, j: 19, gPtr: 20, xPtr: 21, dyPtr: 22, stop: 23,
  s: 24, d0: 25,
} as const;
const I32_LOCALS = 15;
/** Rows of G per register block. */
const ROWS = 4;
/** f32x4 vectors of columns per register block (and per block of the column sums). */
const VECTORS = 2;
const SUM_VECTORS = 4;
const ACC0 = L.d0 + Math.max(VECTORS, SUM_VECTORS);
const V128_LOCALS = ACC0 + ROWS * VECTORS - L.s;

const get = op.localGet;
const set = op.localSet;



/** Address of row `a` of the block at gPtr. */
function gAddress(a: number): number[] {
  return a === 0 ? get(L.gPtr) : [...get(L.gPtr), ...get(L.outBytes), ...op.i32Const(a), ...op.i32Mul, ...op.i32Add];
}

/** One register block of `rows` rows of G (from gRow) x `vectors` f32x4 columns at column byte j. */
function gradientBlock(rows: number, vectors: number): number[] {
  const acc = (a: number, v: number) => ACC0 + a * vectors + v;
  const pairs = Array.from({ length: rows }, (_, a) => Array.from({ length: vectors }, (_2, v) => [a, v] as const)).flat();
  const loads = pairs.flatMap(([a, v]) => [...gAddress(a), ...op.v128Load(v * 16, 2), ...set(acc(a, v))]);
  const stores = pairs.flatMap(([a, v]) => [...gAddress(a), ...get(acc(a, v)), ...op.v128Store(v * 16, 2)]);
  const dyLoads = Array.from({ length: vectors }, (_, v) => [...get(L.dyPtr), ...op.v128Load(v * 16, 2), ...set(L.d0 + v)]).flat();
  const terms = Array.from({ length: rows }, (_, a) => [
    ...get(L.xPtr),
    ...op.v128Load32Splat(a * 4),
    ...set(L.s),
    ...Array.from({ length: vectors }, (_2, v) => [...get(acc(a, v)), ...get(L.s), ...get(L.d0 + v), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc(a, v))]).flat(),
  ]).flat();
  return [
    ...i32AddInto(L.gPtr, get(L.gRow), get(L.j)),
    ...loads,
    ...get(L.xCol),
    ...set(L.xPtr),
    ...i32AddInto(L.stop, get(L.xCol), get(L.xChunkBytes)),
    ...i32AddInto(L.dyPtr, get(L.dyChunk), get(L.j)),
    ...whileBelow(get(L.xPtr), get(L.stop), [
      ...dyLoads,
      ...terms,
      ...i32AddInto(L.xPtr, get(L.xPtr), get(L.inBytes)),
      ...i32AddInto(L.dyPtr, get(L.dyPtr), get(L.outBytes)),
    ]),
    ...stores,
    ...i32AddInto(L.j, get(L.j), op.i32Const(vectors * 16)),
  ];
}

/** Column blocks `block(vectors)` while `vectors` whole vectors remain in the row, then single vectors. */
function acrossColumns(wide: number, block: (vectors: number) => number[]): number[] {
  return [
    ...op.i32Const(0),
    ...set(L.j),
    ...whileBelow([...get(L.j), ...op.i32Const(wide * 16), ...op.i32Add], [...get(L.outBytes), ...op.i32Const(1), ...op.i32Add], block(wide)),
    ...whileBelow(get(L.j), get(L.outBytes), block(1)),
  ];
}

/** Every row of G over the current chunk: blocks of ROWS rows while they last, then single rows. */
function gradientChunk(): number[] {
  const rowBlocks = (rows: number) => [
    ...acrossColumns(VECTORS, (vectors) => gradientBlock(rows, vectors)),
    ...i32AddInto(L.gRow, get(L.gRow), [...get(L.outBytes), ...op.i32Const(rows), ...op.i32Mul]),
    ...i32AddInto(L.xCol, get(L.xCol), op.i32Const(rows * 4)),
    ...get(L.iLeft),
    ...op.i32Const(rows),
    ...op.i32Sub,
    ...set(L.iLeft),
  ];
  return [
    ...get(P.in),
    ...set(L.iLeft),
    ...get(P.g),
    ...set(L.gRow),
    ...get(L.xChunk),
    ...set(L.xCol),
    ...whileBelow(op.i32Const(ROWS - 1), get(L.iLeft), rowBlocks(ROWS)),
    ...whileBelow(op.i32Const(0), get(L.iLeft), rowBlocks(1)),
  ];
}

/** sums[j..] += the chunk's dy[r][j..] for `vectors` f32x4 columns at column byte j. */
function sumBlock(vectors: number): number[] {
  const acc = (v: number) => ACC0 + v;
  const range = Array.from({ length: vectors }, (_, v) => v);
  return [
    ...i32AddInto(L.gPtr, get(P.sums), get(L.j)),
    ...range.flatMap((v) => [...get(L.gPtr), ...op.v128Load(v * 16, 2), ...set(acc(v))]),
    ...i32AddInto(L.dyPtr, get(L.dyChunk), get(L.j)),
    ...i32AddInto(L.stop, get(L.dyPtr), [...get(L.n), ...get(L.outBytes), ...op.i32Mul]),
    ...whileBelow(get(L.dyPtr), get(L.stop), [
      ...range.flatMap((v) => [...get(acc(v)), ...get(L.dyPtr), ...op.v128Load(v * 16, 2), ...op.f32x4Add, ...set(acc(v))]),
      ...i32AddInto(L.dyPtr, get(L.dyPtr), get(L.outBytes)),
    ]),
    ...range.flatMap((v) => [...get(L.gPtr), ...get(acc(v)), ...op.v128Store(v * 16, 2)]),
    ...i32AddInto(L.j, get(L.j), op.i32Const(vectors * 16)),
  ];
}

/** Zeros `bytes` (a multiple of 16) from `start` on. */
function zeroFill(start: number[], bytes: number[]): number[] {
  return [
    ...start,
    ...set(L.xPtr),
    ...i32AddInto(L.stop, get(L.xPtr), bytes),
    ...whileBelow(get(L.xPtr), get(L.stop), [...get(L.xPtr), ...op.v128Const0, ...op.v128Store(0, 2), ...i32AddInto(L.xPtr, get(L.xPtr), op.i32Const(16))]),
  ];
}

function body(): number[] {
  const chunkLoop = whileBelow(op.i32Const(0), get(L.rowsLeft), [
    // n = min(rowsLeft, chunk)
    ...get(L.rowsLeft),
    ...get(P.chunk),
    ...get(L.rowsLeft),
    ...get(P.chunk),
    ...op.i32LtU,
    ...op.select,
    ...set(L.n),
    ...get(L.n),
    ...get(L.inBytes),
    ...op.i32Mul,
    ...set(L.xChunkBytes),
    ...gradientChunk(),
    ...op.ifThen(get(P.withSums), acrossColumns(SUM_VECTORS, sumBlock)),
    ...i32AddInto(L.xChunk, get(L.xChunk), get(L.xChunkBytes)),
    ...i32AddInto(L.dyChunk, get(L.dyChunk), [...get(L.n), ...get(L.outBytes), ...op.i32Mul]),
    ...get(L.rowsLeft),
    ...get(L.n),
    ...op.i32Sub,
    ...set(L.rowsLeft),
  ]);
  const prologue = [
    ...get(P.in),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...set(L.inBytes),
    ...get(P.out),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...set(L.outBytes),
    ...zeroFill(get(P.g), [...get(P.in), ...get(L.outBytes), ...op.i32Mul]),
    ...op.ifThen(get(P.withSums), zeroFill(get(P.sums), get(L.outBytes))),
    ...get(P.x),
    ...set(L.xChunk),
    ...get(P.dy),
    ...set(L.dyChunk),
    ...get(P.rows),
    ...set(L.rowsLeft),
  ];
  const locals = vector([
    [I32_LOCALS, TYPE.i32],
    [V128_LOCALS, TYPE.v128],
  ]);
  return [...locals, ...prologue, ...chunkLoop, ...op.end];
}

/** The module's bytes: the function `wg` on an imported memory (`env.memory`). */
export function weightGradientModuleBytes(): Uint8Array {
  return functionModuleBytes({ exportName: 'wg', paramCount: 9, body: body(), memory: 'imported' });
}
