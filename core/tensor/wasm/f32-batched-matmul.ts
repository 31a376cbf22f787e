/**
 * The f32 batched matrix product C[b] = A[b] B[b] as one hand-assembled WebAssembly SIMD function.
 *
 * mm(a, b, c, batch, m, k, n): A [batch][m][k], B [batch][k][n] and C [batch][m][n] row-major f32 at
 * byte addresses a, b, c, rows unpadded. For each row i of C, columns go in blocks of 16 (four
 * f32x4 accumulators), then of 4: acc += splat(A[i, p]) * B[p, j..j+3] for p = 0..k-1, so every
 * output is the plain sum over p in ascending order, one f32 multiply and one f32 add per term
 * (WebAssembly does not fuse them), the same numbers as a scalar Math.fround loop.
 *
 * The last block of a row may reach up to 3 columns past n: it reads those lanes from the next row
 * of B (or past its end) and stores them over the first columns of the next row of C, which that row
 * then overwrites (rows are written in address order). So B and C need 16 bytes of slack after them.
 */
import { TYPE, functionModuleBytes, i32AddInto, op, vector, whileBelow } from './wasm-bytes';

// Parameters 0-6, then locals.
const P = { a: 0, b: 1, c: 2, batch: 3, m: 4, k: 5, n: 6 } as const;
const L = {
  batchLeft: 7, rowsLeft: 8, aRow: 9, cRow: 10, bMatrix: 11, rowBytesA: 12, rowBytesB: 13, wideEnd: 14, rowEnd: 15,
  j: 16, aPtr: 17, bPtr: 18, aEnd: 19, matrixBytesB: 20,
  s: 21, acc0: 22,
} as const;
const I32_LOCALS = 14;
/** Accumulators of the wide column block (16 columns). */
const WIDE = 4;

const get = op.localGet;
const set = op.localSet;



/** One block of `vectors` f32x4 columns of row aRow at column byte offset j, stored to cRow + j. */
function columnBlock(vectors: number): number[] {
  const accs = Array.from({ length: vectors }, (_, v) => L.acc0 + v);
  const terms = accs.flatMap((acc, v) => [...get(acc), ...get(L.s), ...get(L.bPtr), ...op.v128Load(v * 16, 2), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc)]);
  const innerLoop = whileBelow(get(L.aPtr), get(L.aEnd), [
    ...get(L.aPtr),
    ...op.v128Load32Splat(0),
    ...set(L.s),
    ...terms,
    ...i32AddInto(L.aPtr, get(L.aPtr), op.i32Const(4)),
    ...i32AddInto(L.bPtr, get(L.bPtr), get(L.rowBytesB)),
  ]);
  const stores = accs.flatMap((acc, v) => [...get(L.cRow), ...get(L.j), ...op.i32Add, ...get(acc), ...op.v128Store(v * 16, 2)]);
  return [
    ...accs.flatMap((acc) => [...op.v128Const0, ...set(acc)]),
    ...get(L.aRow),
    ...set(L.aPtr),
    ...i32AddInto(L.bPtr, get(L.bMatrix), get(L.j)),
    ...innerLoop,
    ...stores,
    ...i32AddInto(L.j, get(L.j), op.i32Const(vectors * 16)),
  ];
}

function rowLoop(): number[] {
  return whileBelow(op.i32Const(0), get(L.rowsLeft), [
    ...op.i32Const(0),
    ...set(L.j),
    ...i32AddInto(L.aEnd, get(L.aRow), get(L.rowBytesA)),
    // Wide blocks while j + 64 <= wideEnd, then 4-column blocks while j < rowEnd.
    ...whileBelow([...get(L.j), ...op.i32Const(WIDE * 16), ...op.i32Add], [...get(L.wideEnd), ...op.i32Const(1), ...op.i32Add], columnBlock(WIDE)),
    ...whileBelow(get(L.j), get(L.rowEnd), columnBlock(1)),
    ...i32AddInto(L.aRow, get(L.aRow), get(L.rowBytesA)),
    ...i32AddInto(L.cRow, get(L.cRow), get(L.rowBytesB)),
    ...get(L.rowsLeft),
    ...op.i32Const(1),
    ...op.i32Sub,
    ...set(L.rowsLeft),
  ]);
}

function body(): number[] {
  const batchLoop = whileBelow(op.i32Const(0), get(L.batchLeft), [
    ...get(P.m),
    ...set(L.rowsLeft),
    ...rowLoop(),
    ...i32AddInto(L.bMatrix, get(L.bMatrix), get(L.matrixBytesB)),
    ...get(L.batchLeft),
    ...op.i32Const(1),
    ...op.i32Sub,
    ...set(L.batchLeft),
  ]);
  const prologue = [
    ...get(P.batch),
    ...set(L.batchLeft),
    ...get(P.a),
    ...set(L.aRow),
    ...get(P.c),
    ...set(L.cRow),
    ...get(P.b),
    ...set(L.bMatrix),
    ...get(P.k),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...set(L.rowBytesA),
    ...get(P.n),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...set(L.rowBytesB),
    ...get(L.rowBytesB),
    ...get(P.k),
    ...op.i32Mul,
    ...set(L.matrixBytesB),
    // wideEnd: bytes of the whole 16-column blocks; rowEnd: n rounded up to 4 columns, in bytes.
    ...get(L.rowBytesB),
    ...op.i32Const(-64),
    ...op.i32And,
    ...set(L.wideEnd),
    ...get(L.rowBytesB),
    ...op.i32Const(12),
    ...op.i32Add,
    ...op.i32Const(-16),
    ...op.i32And,
    ...set(L.rowEnd),
  ];
  const locals = vector([
    [I32_LOCALS, TYPE.i32],
    [1 + WIDE, TYPE.v128],
  ]);
  return [...locals, ...prologue, ...batchLoop, ...op.end];
}

/** The module's bytes: one memory (exported as `memory`) and the function `mm`. */
export function batchedMatmulModuleBytes(): Uint8Array {
  return functionModuleBytes({ exportName: 'mm', paramCount: 7, body: body() });
}
