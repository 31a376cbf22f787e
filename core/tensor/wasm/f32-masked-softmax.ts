/**
 * SPViT's masked attention softmax (core/spvit/masked-softmax.ts) and its gradient as hand-assembled
 * WebAssembly SIMD functions on an imported memory, one attention row at a time:
 *
 *   maskedSoftmax(s, p, out, batch, rows, queries, n, eps, epsOverN)
 *   maskedSoftmaxGrad(s, p, dOut, ds, dp, batch, rows, queries, n, eps, epsOverN)
 *
 * s, out, dOut, ds: [batch, rows, n] f32 (rows = heads * queries), p, dp: [batch, n] f32, all at byte
 * addresses; eps and epsOverN are the bits of f32 values. Row r of batch b is query i = r mod queries,
 * which is key i. Per row, with w_j = p_j except w_i = 1:
 *
 *   m = max_j s_j, E_j = exp(s_j - m), W_j = E_j w_j, T = sum_j W_j, out_j = (W_j + epsOverN) / (T + eps)
 *
 * and backward (no gradient through m):
 *
 *   g_j = (dOut_j - dot / (T + eps)) / (T + eps), dot = sum_k dOut_k (W_k + epsOverN)
 *   ds_j = g_j E_j w_j,   dp_j += g_j E_j for every row of batch b with i != j (dp is zeroed here).
 *
 * The backward pass recomputes m, E and T from s and p (E is parked in ds between its passes), so
 * nothing but s and p is kept from the forward pass. w_i = 1 is had by writing 1 over p_i for the
 * duration of the row and putting p_i's bits back after it, and i != j in dp by saving dp_i's bits
 * before the row and restoring them after: both exact, and the functions are synchronous, so nothing
 * else sees the temporary value (p is an input tensor: it is the same afterwards, bit for bit).
 *
 * Each row is walked in whole vectors, then its last n mod 4 floats one lane at a time (splat loads
 * where other lanes would reach max or exp, zeroing loads where they only meet multiplications), so
 * nothing outside the rows is read or written. exp is f32-exp.ts's (arguments clamped to >= -86, so a
 * key more than 86 below the row max weighs ~e^-86 instead of underflowing to 0 like tf.exp).
 */
import { expStatements } from './f32-exp';
import { TYPE, functionModuleBytes, i32AddInto, op, vector, whileBelow } from './wasm-bytes';

const get = op.localGet;
const set = op.localSet;
const inline = op.f32x4Const;

/** Row loops: whole vectors, then single lanes. */
interface Access {
  bytes: number;
  /** Loads from the address on the stack; other lanes zero in the tail. */
  load: number[];
  /** Loads from the address on the stack; other lanes copies in the tail. */
  splat: number[];
  /** Stores (the address, then the vector, on the stack). */
  store: number[];
}

const WHOLE: Access = { bytes: 16, load: op.v128Load(0, 2), splat: op.v128Load(0, 2), store: op.v128Store(0, 2) };
const LANE: Access = { bytes: 4, load: op.v128Load32Zero(0), splat: op.v128Load32Splat(0), store: op.v128Store32Lane(0, 0) };

/** Named locals: i32 ones after the parameters, then v128 ones. */
class Frame {
  readonly i32: Record<string, number> = {};
  readonly v128: Record<string, number> = {};

  constructor(params: number, i32Names: string[], v128Names: string[]) {
    i32Names.forEach((key, index) => (this.i32[key] = params + index));
    v128Names.forEach((key, index) => (this.v128[key] = params + i32Names.length + index));
  }

  declarations(): number[] {
    return vector([[Object.keys(this.i32).length, TYPE.i32], [Object.keys(this.v128).length, TYPE.v128]]);
  }
}

const I32_LOCALS = ['b', 'r', 'i', 'j', 'rowBytes', 'whole', 'pRow', 'pDiag', 'pSaved', 'dpRow', 'dpDiag', 'dpSaved'];
const V128_LOCALS = ['m', 't', 'den', 'epsOverN', 'dot', 'w', 'n', 'r', 'e', 'g'];

/** The parameter indices of one function. */
interface Params {
  s: number;
  p: number;
  batch: number;
  rows: number;
  queries: number;
  n: number;
  eps: number;
  epsOverN: number;
}

interface LoopCode {
  row: number[];
  before: number[];
  after: number[];
  next: number[];
}

class RowCode {
  readonly l: Record<string, number>;
  readonly v: Record<string, number>;

  constructor(readonly frame: Frame, readonly params: Params) {
    this.l = frame.i32;
    this.v = frame.v128;
  }

  /** The address pointer + j. */
  at(pointer: number): number[] {
    return [...get(pointer), ...get(this.l.j as number), ...op.i32Add];
  }

  /** j = 0; body over whole vectors, then over single lanes; j advances by the access's bytes. */
  walk(body: (a: Access) => number[]): number[] {
    const j = this.l.j as number;
    const step = (a: Access) => [...body(a), ...i32AddInto(j, get(j), op.i32Const(a.bytes))];
    return [
      ...op.i32Const(0), ...set(j),
      ...whileBelow(get(j), get(this.l.whole as number), step(WHOLE)),
      ...whileBelow(get(j), get(this.l.rowBytes as number), step(LANE)),
    ];
  }

  /** The f32 sum of the lanes of a v128 local, ((0 + 1) + 2) + 3. */
  laneSum(local: number): number[] {
    return [0, 1, 2, 3].flatMap((lane) => [...get(local), ...op.f32x4ExtractLane(lane), ...(lane === 0 ? [] : op.f32Add)]);
  }

  /** v.m = the row max of s, in every lane. */
  rowMax(): number[] {
    const m = this.v.m as number;
    const lanes = (a: number, b: number) => [...get(m), ...op.f32x4ExtractLane(a), ...get(m), ...op.f32x4ExtractLane(b), ...op.f32Max];
    return [
      ...inline(-Infinity), ...set(m),
      ...this.walk((a) => [...get(m), ...this.at(this.params.s), ...a.splat, ...op.f32x4Max, ...set(m)]),
      ...lanes(0, 1), ...lanes(2, 3), ...op.f32Max, ...op.f32x4Splat, ...set(m),
    ];
  }

  /** v.e = exp(s_j - m) for the vector at j. */
  exp(a: Access): number[] {
    const { w, n, r, e, m } = this.v as Record<'w' | 'n' | 'r' | 'e' | 'm', number>;
    return [...this.at(this.params.s), ...a.splat, ...get(m), ...op.f32x4Sub, ...set(w), ...expStatements(inline, { w, n, r, e }).flat()];
  }

  /** v.den = T + eps in every lane, from the lane sums of v.t. */
  denominator(): number[] {
    return [...this.laneSum(this.v.t as number), ...get(this.params.eps), ...op.f32ReinterpretI32, ...op.f32Add, ...op.f32x4Splat, ...set(this.v.den as number)];
  }

  /**
   * The row loop: per batch item b, per row r (query i), `row` between writing w_i = 1 over p and
   * putting p_i back; `before` and `after` run around each batch item's rows, `next` after each row
   * (to advance the row pointers). pRow points at p's row b.
   */
  loops(code: LoopCode): number[] {
    const { row, before, after, next } = code;
    const { b, r, i, pRow, pDiag, pSaved, rowBytes, whole } = this.l as Record<string, number>;
    const { p, batch, rows, queries, n, epsOverN } = this.params;
    const rowBody = [
      ...i32AddInto(pDiag as number, get(pRow as number), [...get(i as number), ...op.i32Const(2), ...op.i32Shl]),
      ...get(pDiag as number), ...op.i32Load(0), ...set(pSaved as number),
      ...get(pDiag as number), ...op.f32Const(1), ...op.f32Store(0),
      ...row,
      ...get(pDiag as number), ...get(pSaved as number), ...op.i32Store(0),
      ...next,
      ...i32AddInto(r as number, get(r as number), op.i32Const(1)),
      // i = (i + 1) mod queries
      ...get(i as number), ...op.i32Const(1), ...op.i32Add, ...get(queries), ...op.i32RemU, ...set(i as number),
    ];
    const batchBody = [
      ...before,
      ...op.i32Const(0), ...set(r as number), ...op.i32Const(0), ...set(i as number),
      ...whileBelow(get(r as number), get(rows), rowBody),
      ...i32AddInto(pRow as number, get(pRow as number), get(rowBytes as number)),
      ...after,
      ...i32AddInto(b as number, get(b as number), op.i32Const(1)),
    ];
    return [
      ...get(n), ...op.i32Const(2), ...op.i32Shl, ...set(rowBytes as number),
      ...get(rowBytes as number), ...op.i32Const(-16), ...op.i32And, ...set(whole as number),
      ...get(p), ...set(pRow as number),
      ...get(epsOverN), ...op.f32ReinterpretI32, ...op.f32x4Splat, ...set(this.v.epsOverN as number),
      ...op.i32Const(0), ...set(b as number),
      ...whileBelow(get(b as number), get(batch), batchBody),
    ];
  }
}

function advance(pointers: number[], by: number): number[] {
  return pointers.flatMap((pointer) => i32AddInto(pointer, get(pointer), get(by)));
}

function forwardBody(): number[] {
  const params = { s: 0, p: 1, batch: 3, rows: 4, queries: 5, n: 6, eps: 7, epsOverN: 8 };
  const out = 2;
  const frame = new Frame(9, I32_LOCALS, V128_LOCALS);
  const c = new RowCode(frame, params);
  const { t, e, den, epsOverN } = frame.v128 as Record<string, number>;
  const pRow = frame.i32.pRow as number;
  const row = [
    ...c.rowMax(),
    ...op.v128Const0, ...set(t as number),
    // out_j = W_j = E_j w_j; T = sum W_j
    ...c.walk((a) => [
      ...c.exp(a),
      ...get(e as number), ...c.at(pRow), ...a.load, ...op.f32x4Mul, ...set(e as number),
      ...c.at(out), ...get(e as number), ...a.store,
      ...get(t as number), ...get(e as number), ...op.f32x4Add, ...set(t as number),
    ]),
    ...c.denominator(),
    ...c.walk((a) => [...c.at(out), ...c.at(out), ...a.load, ...get(epsOverN as number), ...op.f32x4Add, ...get(den as number), ...op.f32x4Div, ...a.store]),
  ];
  const next = advance([params.s, out], frame.i32.rowBytes as number);
  return [...frame.declarations(), ...c.loops({ row, before: [], after: [], next }), ...op.end];
}

function gradientBody(): number[] {
  const params = { s: 0, p: 1, batch: 5, rows: 6, queries: 7, n: 8, eps: 9, epsOverN: 10 };
  const [dOut, ds, dp] = [2, 3, 4];
  const frame = new Frame(11, I32_LOCALS, V128_LOCALS);
  const c = new RowCode(frame, params);
  const { t, e, den, epsOverN, dot, g } = frame.v128 as Record<string, number>;
  const { pRow, dpRow, dpDiag, dpSaved, i, rowBytes } = frame.i32 as Record<string, number>;
  const w = (a: Access) => [...c.at(pRow as number), ...a.load];
  const row = [
    ...i32AddInto(dpDiag as number, get(dpRow as number), [...get(i as number), ...op.i32Const(2), ...op.i32Shl]),
    ...get(dpDiag as number), ...op.i32Load(0), ...set(dpSaved as number),
    ...c.rowMax(),
    ...op.v128Const0, ...set(t as number),
    // ds_j = E_j; T = sum E_j w_j
    ...c.walk((a) => [
      ...c.exp(a),
      ...c.at(ds), ...get(e as number), ...a.store,
      ...get(t as number), ...get(e as number), ...w(a), ...op.f32x4Mul, ...op.f32x4Add, ...set(t as number),
    ]),
    ...c.denominator(),
    // dot = sum dOut_j (E_j w_j + epsOverN), then dot / (T + eps) in every lane
    ...op.v128Const0, ...set(dot as number),
    ...c.walk((a) => [
      ...get(dot as number), ...c.at(dOut), ...a.load,
      ...c.at(ds), ...a.load, ...w(a), ...op.f32x4Mul, ...get(epsOverN as number), ...op.f32x4Add,
      ...op.f32x4Mul, ...op.f32x4Add, ...set(dot as number),
    ]),
    ...c.laneSum(dot as number), ...get(den as number), ...op.f32x4ExtractLane(0), ...op.f32Div, ...op.f32x4Splat, ...set(dot as number),
    // g = (dOut_j - dot) / (T + eps) E_j; dp_j += g; ds_j = g w_j
    ...c.walk((a) => [
      ...c.at(dOut), ...a.load, ...get(dot as number), ...op.f32x4Sub, ...get(den as number), ...op.f32x4Div,
      ...c.at(ds), ...a.load, ...op.f32x4Mul, ...set(g as number),
      ...c.at(dpRow as number), ...c.at(dpRow as number), ...a.load, ...get(g as number), ...op.f32x4Add, ...a.store,
      ...c.at(ds), ...get(g as number), ...w(a), ...op.f32x4Mul, ...a.store,
    ]),
    ...get(dpDiag as number), ...get(dpSaved as number), ...op.i32Store(0),
  ];
  // dp's row b is zeroed before batch item b's rows add to it.
  const before = c.walk((a) => [...c.at(dpRow as number), ...op.v128Const0, ...a.store]);
  const after = advance([dpRow as number], rowBytes as number);
  const next = advance([params.s, dOut, ds], rowBytes as number);
  const loops = c.loops({ row, before, after, next });
  return [...frame.declarations(), ...get(dp), ...set(dpRow as number), ...loops, ...op.end];
}

/** The module of `maskedSoftmax` on an imported memory (`env.memory`). */
export function maskedSoftmaxModuleBytes(): Uint8Array {
  return functionModuleBytes({ exportName: 'maskedSoftmax', paramCount: 9, body: forwardBody(), memory: 'imported' });
}

/** The module of `maskedSoftmaxGrad` on an imported memory (`env.memory`). */
export function maskedSoftmaxGradModuleBytes(): Uint8Array {
  return functionModuleBytes({ exportName: 'maskedSoftmaxGrad', paramCount: 11, body: gradientBody(), memory: 'imported' });
}
