/**
 * LayerNorm over rows of width d (a multiple of 4) as two hand-assembled WebAssembly SIMD functions on
 * an imported memory, all arithmetic in f32 (as the composite tfjs ops do):
 *
 * lnf(x, gamma, beta, y, mean, rstd, rows, d, epsBits), per row: m = sum(x) / d, then
 * s = 1 / sqrt(sum((x - m)^2) / d + eps) (two passes; eps arrives as its f32 bit pattern), then
 * y = (x - m) * s * gamma + beta; mean[row] = m, rstd[row] = s.
 *
 * lnb(dy, x, mean, rstd, gamma, dx, dgamma, dbeta, rows, d), per row with xhat = (x - m) * s and
 * g = dy * gamma: dx = s * ((g - sum(g) / d) - xhat * sum(g * xhat) / d); dgamma += dy * xhat and
 * dbeta += dy, both zeroed first and summed over rows in ascending order.
 *
 * Row sums run in four f32 lanes (lane k takes the elements k, k + 4, ...), added up as
 * (l0 + l1) + (l2 + l3). Addresses are byte addresses; the caller keeps the ranges in the memory.
 */
import { TYPE, functionModuleBytes, i32AddInto, op, unsignedLeb, vector, whileBelow } from './wasm-bytes';

const simd = (opcode: number): number[] => [0xfd, ...unsignedLeb(opcode)];

/** The opcodes these functions need beyond wasm-bytes.ts (core and SIMD specifications). */
const f = {
  load: (offset: number) => [0x2a, 2, ...unsignedLeb(offset)],
  store: (offset: number) => [0x38, 2, ...unsignedLeb(offset)],
  const: (value: number) => [0x43, ...new Uint8Array(Float32Array.of(value).buffer)],
  sqrt: [0x91],
  add: [0x92],
  div: [0x95],
  convertI32U: [0xb3],
  reinterpretI32: [0xbe],
  x4Splat: simd(0x13),
  x4ExtractLane: (lane: number) => [...simd(0x1f), lane],
  x4Sub: simd(0xe5),
};

const get = op.localGet;
const set = op.localSet;

/** Local declarations: i32s, then f32s, then v128s. */
function locals(i32: number, f32: number, v128: number): number[] {
  return vector([
    [i32, TYPE.i32],
    [f32, TYPE.f32],
    [v128, TYPE.v128],
  ]);
}

/** (l0 + l1) + (l2 + l3) of the f32x4 in local `v`, left on the stack. */
function lanesSum(v: number): number[] {
  const lane = (k: number) => [...get(v), ...f.x4ExtractLane(k)];
  return [...lane(0), ...lane(1), ...f.add, ...lane(2), ...lane(3), ...f.add, ...f.add];
}

/** `for (q = 0; q < rowBytes; q += 16) body`. */
function acrossRow(q: number, rowBytes: number, body: number[]): number[] {
  return [...op.i32Const(0), ...set(q), ...whileBelow(get(q), get(rowBytes), [...body, ...i32AddInto(q, get(q), op.i32Const(16))])];
}

/** v128 load of base + q. */
function loadAt(base: number, q: number): number[] {
  return [...get(base), ...get(q), ...op.i32Add, ...op.v128Load(0, 2)];
}

/** Pushes base + q as the address of a following store. */
function addressAt(base: number, q: number): number[] {
  return [...get(base), ...get(q), ...op.i32Add];
}

/** local[target] += step (i32). */
function advance(target: number, step: number[]): number[] {
  return i32AddInto(target, get(target), step);
}

const FP = { x: 0, gamma: 1, beta: 2, y: 3, mean: 4, rstd: 5, rows: 6, d: 7, epsBits: 8 } as const;
const FL = { rowBytes: 9, xEnd: 10, q: 11, eps: 12, dF: 13, m: 14, s: 15, mv: 16, sv: 17, acc: 18, c: 19 } as const;

function forwardBody(): number[] {
  const prologue = [
    ...get(FP.d), ...op.i32Const(2), ...op.i32Shl, ...set(FL.rowBytes),
    ...i32AddInto(FL.xEnd, get(FP.x), [...get(FP.rows), ...get(FL.rowBytes), ...op.i32Mul]),
    ...get(FP.epsBits), ...f.reinterpretI32, ...set(FL.eps),
    ...get(FP.d), ...f.convertI32U, ...set(FL.dF),
  ];
  const sum = [
    ...op.v128Const0, ...set(FL.acc),
    ...acrossRow(FL.q, FL.rowBytes, [...get(FL.acc), ...loadAt(FP.x, FL.q), ...op.f32x4Add, ...set(FL.acc)]),
    ...lanesSum(FL.acc), ...get(FL.dF), ...f.div, ...set(FL.m),
    ...get(FL.m), ...f.x4Splat, ...set(FL.mv),
  ];
  const variance = [
    ...op.v128Const0, ...set(FL.acc),
    ...acrossRow(FL.q, FL.rowBytes, [
      ...loadAt(FP.x, FL.q), ...get(FL.mv), ...f.x4Sub, ...set(FL.c),
      ...get(FL.acc), ...get(FL.c), ...get(FL.c), ...op.f32x4Mul, ...op.f32x4Add, ...set(FL.acc),
    ]),
    ...f.const(1), ...lanesSum(FL.acc), ...get(FL.dF), ...f.div, ...get(FL.eps), ...f.add, ...f.sqrt, ...f.div, ...set(FL.s),
    ...get(FL.s), ...f.x4Splat, ...set(FL.sv),
  ];
  const output = acrossRow(FL.q, FL.rowBytes, [
    ...addressAt(FP.y, FL.q),
    ...loadAt(FP.x, FL.q), ...get(FL.mv), ...f.x4Sub, ...get(FL.sv), ...op.f32x4Mul,
    ...loadAt(FP.gamma, FL.q), ...op.f32x4Mul, ...loadAt(FP.beta, FL.q), ...op.f32x4Add,
    ...op.v128Store(0, 2),
  ]);
  const row = [
    ...sum, ...variance, ...output,
    ...get(FP.mean), ...get(FL.m), ...f.store(0),
    ...get(FP.rstd), ...get(FL.s), ...f.store(0),
    ...advance(FP.x, get(FL.rowBytes)), ...advance(FP.y, get(FL.rowBytes)),
    ...advance(FP.mean, op.i32Const(4)), ...advance(FP.rstd, op.i32Const(4)),
  ];
  return [...locals(3, 4, 4), ...prologue, ...whileBelow(get(FP.x), get(FL.xEnd), row), ...op.end];
}

const BP = { dy: 0, x: 1, mean: 2, rstd: 3, gamma: 4, dx: 5, dgamma: 6, dbeta: 7, rows: 8, d: 9 } as const;
const BL = { rowBytes: 10, xEnd: 11, q: 12, dF: 13, mv: 14, sv: 15, accG: 16, accGX: 17, dyv: 18, xh: 19, g: 20, av: 21, bv: 22 } as const;

function backwardBody(): number[] {
  const prologue = [
    ...get(BP.d), ...op.i32Const(2), ...op.i32Shl, ...set(BL.rowBytes),
    ...i32AddInto(BL.xEnd, get(BP.x), [...get(BP.rows), ...get(BL.rowBytes), ...op.i32Mul]),
    ...get(BP.d), ...f.convertI32U, ...set(BL.dF),
    ...acrossRow(BL.q, BL.rowBytes, [
      ...addressAt(BP.dgamma, BL.q), ...op.v128Const0, ...op.v128Store(0, 2),
      ...addressAt(BP.dbeta, BL.q), ...op.v128Const0, ...op.v128Store(0, 2),
    ]),
  ];
  const xhat = [...loadAt(BP.x, BL.q), ...get(BL.mv), ...f.x4Sub, ...get(BL.sv), ...op.f32x4Mul, ...set(BL.xh)];
  const sums = acrossRow(BL.q, BL.rowBytes, [
    ...loadAt(BP.dy, BL.q), ...set(BL.dyv),
    ...xhat,
    ...get(BL.dyv), ...loadAt(BP.gamma, BL.q), ...op.f32x4Mul, ...set(BL.g),
    ...get(BL.accG), ...get(BL.g), ...op.f32x4Add, ...set(BL.accG),
    ...get(BL.accGX), ...get(BL.g), ...get(BL.xh), ...op.f32x4Mul, ...op.f32x4Add, ...set(BL.accGX),
    ...addressAt(BP.dgamma, BL.q), ...loadAt(BP.dgamma, BL.q), ...get(BL.dyv), ...get(BL.xh), ...op.f32x4Mul, ...op.f32x4Add, ...op.v128Store(0, 2),
    ...addressAt(BP.dbeta, BL.q), ...loadAt(BP.dbeta, BL.q), ...get(BL.dyv), ...op.f32x4Add, ...op.v128Store(0, 2),
  ]);
  const dx = acrossRow(BL.q, BL.rowBytes, [
    ...addressAt(BP.dx, BL.q),
    ...get(BL.sv),
    ...xhat,
    ...loadAt(BP.dy, BL.q), ...loadAt(BP.gamma, BL.q), ...op.f32x4Mul, ...get(BL.av), ...f.x4Sub,
    ...get(BL.xh), ...get(BL.bv), ...op.f32x4Mul, ...f.x4Sub,
    ...op.f32x4Mul,
    ...op.v128Store(0, 2),
  ]);
  const row = [
    ...get(BP.mean), ...f.load(0), ...f.x4Splat, ...set(BL.mv),
    ...get(BP.rstd), ...f.load(0), ...f.x4Splat, ...set(BL.sv),
    ...op.v128Const0, ...set(BL.accG),
    ...op.v128Const0, ...set(BL.accGX),
    ...sums,
    ...lanesSum(BL.accG), ...get(BL.dF), ...f.div, ...f.x4Splat, ...set(BL.av),
    ...lanesSum(BL.accGX), ...get(BL.dF), ...f.div, ...f.x4Splat, ...set(BL.bv),
    ...dx,
    ...advance(BP.x, get(BL.rowBytes)), ...advance(BP.dy, get(BL.rowBytes)), ...advance(BP.dx, get(BL.rowBytes)),
    ...advance(BP.mean, op.i32Const(4)), ...advance(BP.rstd, op.i32Const(4)),
  ];
  return [...locals(3, 1, 9), ...prologue, ...whileBelow(get(BP.x), get(BL.xEnd), row), ...op.end];
}

/** The forward module: `lnf` on an imported memory (`env.memory`). */
export function layerNormForwardModuleBytes(): Uint8Array {
  return functionModuleBytes({ exportName: 'lnf', paramCount: 9, body: forwardBody(), memory: 'imported' });
}

/** The backward module: `lnb` on an imported memory (`env.memory`). */
export function layerNormBackwardModuleBytes(): Uint8Array {
  return functionModuleBytes({ exportName: 'lnb', paramCount: 10, body: backwardBody(), memory: 'imported' });
}
