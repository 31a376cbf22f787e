/**
 * Exact GELU and its derivative as hand-assembled WebAssembly SIMD functions, 4 lanes at a time, on
 * an imported memory:
 *
 *   gelu(x, y, n)            y[i]  = x[i] Phi(x[i])
 *   geluGrad(x, dy, dx, n)   dx[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i]))
 *
 * for n f32 at byte addresses x, y, dy, dx (groups of whole vectors, then the last few floats one
 * lane at a time, so nothing outside the n floats is read or written). Phi is the standard normal
 * CDF, phi its density. Per lane, with a = |x| / sqrt 2 and e = exp(-x^2 / 2):
 *
 *   q   = Phi(-|x|) = erfc(a) / 2 = e * Q(t),  t = 1 / (1 + p a)
 *   Phi = x < 0 ? q : 1 - q,   phi = e / sqrt(2 pi)
 *
 * One exp serves both Phi and phi. Q(t) approximates erfcx(a) / 2 = exp(a^2) erfc(a) / 2, which is
 * smooth in t on (0, 1] (t = 1 at x = 0). For |x| > CUTOFF, q and x phi are set to 0 (Phi = 0 or 1,
 * so y = x or -0 and the derivative 1 or 0): erfc has all but underflowed there, and the masks keep
 * +-1e30 and +-Infinity from turning into NaN (-Infinity still gives y = NaN, as 0 * -Infinity). A
 * NaN stays NaN (through t).
 *
 * exp(w), w = -x^2 / 2, is f32-exp.ts's (clamped to >= -86; reduction by one ln2 constant): its
 * reduction error, ~|w| 2^-24 relative, is that of rounding x^2 itself, and e^w |w| <= 1/e keeps it
 * far below the accuracy target in absolute terms.
 *
 * Where the constants come from (fitted for this file, not taken from a library): near-minimax fits
 * by Lawson's iteratively reweighted least squares in a Chebyshev basis (float64, 2000 iterations,
 * 6000 points), converted to monomials and rounded to f32:
 * - E (f32-exp.ts): degree 5 in r on [-ln2/2, ln2/2], relative error weight; 7.5e-8 before rounding.
 * - Q: degree 8 in t with p = 0.4 on t in [1 / (1 + 0.4 * 12.5 / sqrt 2), 1], target erfcx(a) / 2
 *   (scipy.special.erfcx), relative error weight; 7.8e-8 relative before rounding, so the negative
 *   tail keeps a few correct digits too (degree 5 with an absolute weight reaches the same absolute
 *   accuracy but ~1e-2 relative error in the tail). p = 0.4 was the best of 0.3..0.6 at degree 8.
 * Measured (gelu.test.ts's float64 reference, every 2^-18 in [-14, 14]): max |y - ref| / max(1, |x|)
 * 1.3e-7, the same for Phi + x phi 2.8e-7, relative error of y on (-12, -1) 8e-6 (the stock tfjs path:
 * 1.0e-7, 1.4e-7, and no correct digit in that tail, where 1 + erf cancels).
 *
 * Code layout: the per-vector work is two independent dependency chains (t and Q(t); w, n, r and
 * E(r)) that meet in q. Each is a list of statements (stack in, stack out empty); statements of the
 * chains, and of the GELU_CODE.unroll vectors of a group, are interleaved so the CPU has independent
 * work while a multiply or the division is in flight: with a chain at a time and no unrolling the
 * latency of those chains bounded the loop (forward [32, 65, 384]: ~2.3 ms; chains interleaved 1.7;
 * 2 vectors 1.4; 4 vectors 1.2; 2-core EPYC under load, medians of alternating runs). Constants in
 * locals or inline made no measurable difference.
 */
import { expStatements, horner } from './f32-exp';
import { TYPE, functionModuleBytes, i32AddInto, op, vector, whileBelow } from './wasm-bytes';

import type { Statement } from './f32-exp';

/** Phi(x) for x < -CUTOFF is taken as 0 (it is 3.7e-36 at -12.5), and as 1 above +CUTOFF. */
export const GELU_CUTOFF = 12.5;
const P = 0.28284273; // 0.4 / sqrt 2: t = 1 / (1 + P |x|)
const Q_COEFFICIENTS = [4.632272e-5, 0.111870654, 0.12150433, 0.060203515, 0.22087194, -0.20358549, 0.35147798, -0.1996653, 0.037276];
const INV_SQRT_2PI = 0.3989423;

export interface GeluCodeOptions {
  /** Vectors per loop iteration. */
  unroll: number;
  /** Constants in locals set before the loops (else an inline v128.const at every use). */
  pooled: boolean;
}

export const GELU_CODE: GeluCodeOptions = { unroll: 4, pooled: true };

const get = op.localGet;
const set = op.localSet;

/** Allocates v128 locals from `next` on. */
class Locals {
  constructor(public next: number) {}

  take(): number {
    return this.next++;
  }
}

/** f32x4 constants, inline or read from locals set once before the loops. */
class Constants {
  private readonly indices = new Map<number, number>();
  constructor(private readonly locals: Locals | null) {}

  readonly k = (value: number): number[] => {
    if (this.locals === null) return op.f32x4Const(value);
    const rounded = Math.fround(value);
    let index = this.indices.get(rounded);
    if (index === undefined) {
      index = this.locals.take();
      this.indices.set(rounded, index);
    }
    return get(index);
  };

  initialisation(): number[] {
    return [...this.indices].flatMap(([value, index]) => [...op.f32x4Const(value), ...set(index)]);
  }
}

/** The v128 locals of one vector. */
interface VectorLocals {
  x: number;
  ax: number;
  t: number;
  w: number;
  n: number;
  r: number;
  e: number;
  big: number;
  q: number;
}

function vectorLocals(locals: Locals): VectorLocals {
  const names = ['x', 'ax', 't', 'w', 'n', 'r', 'e', 'big', 'q'] as const;
  return Object.fromEntries(names.map((key) => [key, locals.take()])) as unknown as VectorLocals;
}

interface PhiCode {
  /** Independent chains (after x is loaded). */
  chains: Statement[][];
  /** Then, in order: q, the |x| > CUTOFF mask `big`, and Phi into local q. */
  join: Statement[];
}

/** From local x: e = exp(-x^2/2), big = |x| > CUTOFF, and Phi(x) in local q. */
function phiCode(k: Constants['k'], l: VectorLocals): PhiCode {
  const tChain: Statement[] = [
    [...get(l.x), ...op.f32x4Abs, ...set(l.ax)],
    [...k(1), ...get(l.ax), ...k(P), ...op.f32x4Mul, ...k(1), ...op.f32x4Add, ...op.f32x4Div, ...set(l.t)],
    ...horner(k, Q_COEFFICIENTS, l.t, l.q),
  ];
  // w = -x^2 / 2, then exp(w) (clamped to w >= EXP_MIN; a NaN stays)
  const expChain: Statement[] = [[...get(l.x), ...get(l.x), ...op.f32x4Mul, ...k(-0.5), ...op.f32x4Mul, ...set(l.w)], ...expStatements(k, l)];
  const join: Statement[] = [
    [...get(l.ax), ...k(GELU_CUTOFF), ...op.f32x4Gt, ...set(l.big)],
    // q = e Q(t), 0 where |x| > CUTOFF
    [...get(l.q), ...get(l.e), ...op.f32x4Mul, ...get(l.big), ...op.v128AndNot, ...set(l.q)],
    // Phi = x < 0 ? q : 1 - q
    [...get(l.q), ...k(1), ...get(l.q), ...op.f32x4Sub, ...get(l.x), ...op.v128Const0, ...op.f32x4Lt, ...op.v128Bitselect, ...set(l.q)],
  ];
  return { chains: [tChain, expChain], join };
}

/** Round-robin merge: a[0], b[0], c[0], a[1], ... */
function interleave(lists: Statement[][]): Statement[] {
  const longest = Math.max(0, ...lists.map((list) => list.length));
  const merged: Statement[] = [];
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) merged.push(list[i] as Statement);
  return merged;
}

interface Access {
  load: (offset: number) => number[];
  store: (offset: number) => number[];
  /** Bytes per vector. */
  bytes: number;
}

const WHOLE: Access = { load: (offset) => op.v128Load(offset, 2), store: (offset) => op.v128Store(offset, 2), bytes: 16 };
const LANE: Access = { load: op.v128Load32Zero, store: (offset) => op.v128Store32Lane(offset, 0), bytes: 4 };

interface Pointers {
  /** i32 parameters: the input pointers (x first), then the output pointer. */
  inputs: number[];
  output: number;
}

/** What one vector does with its Phi: statements that end with the store at `offset` from the pointers. */
type Finish = (k: Constants['k'], l: VectorLocals, access: Access, offset: number) => Statement[];

interface Kernel {
  k: Constants['k'];
  pointers: Pointers;
  finish: Finish;
}

/** The given vectors at byte offsets 0, bytes, 2 bytes, ... from the pointers, interleaved. */
function group(kernel: Kernel, vectors: VectorLocals[], access: Access): number[] {
  const { k, pointers, finish } = kernel;
  const x = pointers.inputs[0] as number;
  const loads = vectors.map((l, i) => [...get(x), ...access.load(i * access.bytes), ...set(l.x)]);
  const codes = vectors.map((l) => phiCode(k, l));
  const chains = interleave(codes.flatMap((code) => code.chains));
  const joins = interleave(codes.map((code) => code.join));
  const finishes = interleave(vectors.map((l, i) => finish(k, l, access, i * access.bytes)));
  return [...loads, ...chains, ...joins, ...finishes].flat();
}

const forwardFinish = (pointers: Pointers): Finish => (_k, l, access, offset) => [
  [...get(pointers.output), ...get(l.q), ...get(l.x), ...op.f32x4Mul, ...access.store(offset)],
];

const gradientFinish = (pointers: Pointers): Finish => (k, l, access, offset) => [
  // q = Phi + x phi (x phi = 0 where |x| > CUTOFF)
  [...get(l.x), ...k(INV_SQRT_2PI), ...op.f32x4Mul, ...get(l.e), ...op.f32x4Mul, ...get(l.big), ...op.v128AndNot, ...get(l.q), ...op.f32x4Add, ...set(l.q)],
  [...get(pointers.output), ...get(l.q), ...get(pointers.inputs[1] as number), ...access.load(offset), ...op.f32x4Mul, ...access.store(offset)],
];

/**
 * The function body. Parameters: the pointers, then n; two i32 locals follow them (the end of the
 * whole groups and of everything, as addresses in x). All pointers advance together.
 */
function body(pointers: Pointers, finish: Finish, options: GeluCodeOptions): number[] {
  const all = [...pointers.inputs, pointers.output];
  const n = all.length;
  const groupEnd = n + 1;
  const end = n + 2;
  const x = pointers.inputs[0] as number;
  const locals = new Locals(n + 3);
  const vectors = Array.from({ length: options.unroll }, () => vectorLocals(locals));
  const constants = new Constants(options.pooled ? locals : null);
  const advance = (bytes: number) => all.flatMap((p) => i32AddInto(p, get(p), op.i32Const(bytes)));
  const groupBytes = 16 * options.unroll;
  const kernel = { k: constants.k, pointers, finish };
  const loops = [
    ...whileBelow(get(x), get(groupEnd), [...group(kernel, vectors, WHOLE), ...advance(groupBytes)]),
    ...whileBelow(get(x), get(end), [...group(kernel, vectors.slice(0, 1), LANE), ...advance(LANE.bytes)]),
  ];
  const byteCount = [...get(n), ...op.i32Const(2), ...op.i32Shl];
  return [
    ...vector([[2, TYPE.i32], [locals.next - (n + 3), TYPE.v128]]),
    ...constants.initialisation(),
    ...i32AddInto(end, get(x), byteCount),
    // groupEnd = x + the bytes of the whole groups
    ...i32AddInto(groupEnd, get(x), [...byteCount, ...byteCount, ...op.i32Const(groupBytes), ...op.i32RemU, ...op.i32Sub]),
    ...loops,
    ...op.end,
  ];
}

/** The module of `gelu(x, y, n)` on an imported memory (`env.memory`). */
export function geluModuleBytes(options: GeluCodeOptions = GELU_CODE): Uint8Array {
  const pointers = { inputs: [0], output: 1 };
  return functionModuleBytes({ exportName: 'gelu', paramCount: 3, body: body(pointers, forwardFinish(pointers), options), memory: 'imported' });
}

/** The module of `geluGrad(x, dy, dx, n)` on an imported memory (`env.memory`). */
export function geluGradModuleBytes(options: GeluCodeOptions = GELU_CODE): Uint8Array {
  const pointers = { inputs: [0, 1], output: 2 };
  return functionModuleBytes({ exportName: 'geluGrad', paramCount: 4, body: body(pointers, gradientFinish(pointers), options), memory: 'imported' });
}
