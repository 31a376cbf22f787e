/**
 * The int16 x int16 -> int32 matrix product as a WebAssembly SIMD function (i32x4.dot_i16x8_s):
 * the fast path of the reference runner's matmuls. WebAssembly integer arithmetic is fully
 * specified (two's complement, wrapping), so the results are the same everywhere; callers keep the
 * sums inside int32 (see integer-math.ts), where the plain loop of matmul.ts gives the same numbers.
 *
 * mm(x, w, out, rows, inner, cols): x [rows][inner] and w [cols][inner] int16 at byte addresses x
 * and w, inner a multiple of 8, cols a multiple of 4; writes out[rows][cols] int32. Four output
 * columns share each load of x.
 */
import { TYPE, functionModuleBytes, i32AddInto, op, vector } from '../../../tensor/wasm/wasm-bytes';

// Parameters 0-5, then locals.
const P = { x: 0, w: 1, out: 2, rows: 3, inner: 4, cols: 5 } as const;
const L = { t: 6, o: 7, kb: 8, rowBytes: 9, xRow: 10, w0: 11, w1: 12, w2: 13, w3: 14, outPtr: 15, acc0: 16, acc1: 17, acc2: 18, acc3: 19, xv: 20 } as const;

function accumulate(acc: number, weightRow: number): number[] {
  return [
    ...op.localGet(acc),
    ...op.localGet(L.xv),
    ...op.localGet(weightRow),
    ...op.localGet(L.kb),
    ...op.i32Add,
    ...op.v128Load(0),
    ...op.i32x4DotI16x8S,
    ...op.i32x4Add,
    ...op.localSet(acc),
  ];
}

function horizontalSum(acc: number): number[] {
  return [
    ...op.localGet(acc),
    ...op.i32x4ExtractLane(0),
    ...op.localGet(acc),
    ...op.i32x4ExtractLane(1),
    ...op.i32Add,
    ...op.localGet(acc),
    ...op.i32x4ExtractLane(2),
    ...op.i32Add,
    ...op.localGet(acc),
    ...op.i32x4ExtractLane(3),
    ...op.i32Add,
  ];
}

function storeColumn(acc: number, lane: number): number[] {
  return [...op.localGet(L.outPtr), ...horizontalSum(acc), ...op.i32Store(lane * 4)];
}


function body(): number[] {
  const get = op.localGet;
  const innerLoop = [
    ...op.block,
    ...op.loop,
    ...get(L.kb),
    ...get(L.rowBytes),
    ...op.i32GeU,
    ...op.brIf(1),
    ...get(L.xRow),
    ...get(L.kb),
    ...op.i32Add,
    ...op.v128Load(0),
    ...op.localSet(L.xv),
    ...accumulate(L.acc0, L.w0),
    ...accumulate(L.acc1, L.w1),
    ...accumulate(L.acc2, L.w2),
    ...accumulate(L.acc3, L.w3),
    ...i32AddInto(L.kb, get(L.kb), op.i32Const(16)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const columnLoop = [
    ...op.block,
    ...op.loop,
    ...get(L.o),
    ...get(P.cols),
    ...op.i32GeU,
    ...op.brIf(1),
    ...i32AddInto(L.w0, get(P.w), [...get(L.o), ...get(L.rowBytes), ...op.i32Mul]),
    ...i32AddInto(L.w1, get(L.w0), get(L.rowBytes)),
    ...i32AddInto(L.w2, get(L.w1), get(L.rowBytes)),
    ...i32AddInto(L.w3, get(L.w2), get(L.rowBytes)),
    ...[L.acc0, L.acc1, L.acc2, L.acc3].flatMap((acc) => [...op.v128Const0, ...op.localSet(acc)]),
    ...op.i32Const(0),
    ...op.localSet(L.kb),
    ...innerLoop,
    // outPtr = out + (t * cols + o) * 4
    ...i32AddInto(L.outPtr, get(P.out), [...get(L.t), ...get(P.cols), ...op.i32Mul, ...get(L.o), ...op.i32Add, ...op.i32Const(4), ...op.i32Mul]),
    ...storeColumn(L.acc0, 0),
    ...storeColumn(L.acc1, 1),
    ...storeColumn(L.acc2, 2),
    ...storeColumn(L.acc3, 3),
    ...i32AddInto(L.o, get(L.o), op.i32Const(4)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const rowLoop = [
    ...op.block,
    ...op.loop,
    ...get(L.t),
    ...get(P.rows),
    ...op.i32GeU,
    ...op.brIf(1),
    ...i32AddInto(L.xRow, get(P.x), [...get(L.t), ...get(L.rowBytes), ...op.i32Mul]),
    ...op.i32Const(0),
    ...op.localSet(L.o),
    ...columnLoop,
    ...i32AddInto(L.t, get(L.t), op.i32Const(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const prologue = [...i32AddInto(L.rowBytes, get(P.inner), get(P.inner)), ...op.i32Const(0), ...op.localSet(L.t)];
  const locals = vector([
    [10, TYPE.i32],
    [5, TYPE.v128],
  ]);
  return [...locals, ...prologue, ...rowLoop, ...op.end];
}

/** The module's bytes: one memory (exported as `memory`) and the function `mm`. */
export function matmulModuleBytes(): Uint8Array {
  return functionModuleBytes({ exportName: 'mm', paramCount: 6, body: body() });
}
