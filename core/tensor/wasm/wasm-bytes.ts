/**
 * A few helpers to write a WebAssembly module byte by byte (LEB128 numbers, sections, the opcodes the
 * hand-assembled kernels use: the board's int16 matmul, the f32 batched matmul, weight gradient,
 * GELU and SPViT's masked softmax of the wasm backend). Opcode values are those of the WebAssembly
 * core and SIMD specifications.
 */

export function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

export function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

export function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

export function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

export function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...unsignedLeb(bytes.length), ...bytes];
}

export const TYPE = { i32: 0x7f, f32: 0x7d, v128: 0x7b, func: 0x60, emptyBlock: 0x40 } as const;

const simd = (opcode: number): number[] => [0xfd, ...unsignedLeb(opcode)];

/** The little-endian bytes of value rounded to f32. */
function f32Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value, true);
  return Array.from(new Uint8Array(view.buffer));
}

/**
 * Instructions as byte lists. Memory accesses take (offset, log2 alignment); the alignment is a hint
 * (unaligned accesses are allowed) and may not exceed the access's natural alignment.
 */
export const op = {
  block: [0x02, TYPE.emptyBlock],
  loop: [0x03, TYPE.emptyBlock],
  end: [0x0b],
  /** `if` (condition non-zero) with no result around `then`. */
  ifThen: (condition: number[], then: number[]) => [...condition, 0x04, TYPE.emptyBlock, ...then, 0x0b],
  br: (depth: number) => [0x0c, ...unsignedLeb(depth)],
  brIf: (depth: number) => [0x0d, ...unsignedLeb(depth)],
  localGet: (index: number) => [0x20, ...unsignedLeb(index)],
  localSet: (index: number) => [0x21, ...unsignedLeb(index)],
  localTee: (index: number) => [0x22, ...unsignedLeb(index)],
  i32Const: (value: number) => [0x41, ...signedLeb(value)],
  i32Store: (offset: number) => [0x36, 2, ...unsignedLeb(offset)],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32RemU: [0x70],
  i32And: [0x71],
  i32Shl: [0x74],
  /** Takes (a, b, condition) and keeps a when condition is non-zero. */
  select: [0x1b],
  v128Load: (offset: number, align = 4) => [...simd(0x00), align, ...unsignedLeb(offset)],
  v128Load32Splat: (offset: number) => [...simd(0x09), 2, ...unsignedLeb(offset)],
  v128Store: (offset: number, align = 4) => [...simd(0x0b), align, ...unsignedLeb(offset)],
  v128Const0: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  i32x4ExtractLane: (lane: number) => [...simd(0x1b), lane],
  i32x4Add: simd(0xae),
  i32x4DotI16x8S: simd(0xba),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  /** Loads one 32-bit value into lane 0 and zeros the other lanes. */
  v128Load32Zero: (offset: number) => [...simd(0x5c), 2, ...unsignedLeb(offset)],
  /** Stores lane `lane` of a vector as one 32-bit value. */
  v128Store32Lane: (offset: number, lane: number) => [...simd(0x5a), 2, ...unsignedLeb(offset), lane],
  /** Four copies of an f32 (rounded to f32) as a v128.const. */
  f32x4Const: (value: number) => [...simd(0x0c), ...Array.from({ length: 4 }, () => f32Bytes(value)).flat()],
  /** Takes (a, b) and leaves a & ~b. */
  v128AndNot: simd(0x4f),
  /** Takes (a, b, mask) and leaves the bits of a where mask is 1, of b elsewhere. */
  v128Bitselect: simd(0x52),
  f32x4Lt: simd(0x43),
  f32x4Gt: simd(0x44),
  /** Takes (vector, i32 count). */
  i32x4Shl: simd(0xab),
  f32x4Abs: simd(0xe0),
  f32x4Sub: simd(0xe5),
  f32x4Div: simd(0xe7),
  /** Takes (a, b) and leaves `a < b ? b : a` per lane (so a NaN in a stays). */
  f32x4Pmax: simd(0xeb),
  /** Per-lane maximum; a NaN in either lane gives NaN. */
  f32x4Max: simd(0xe9),
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: number) => [...simd(0x1f), lane],
  i32Load: (offset: number) => [0x28, 2, ...unsignedLeb(offset)],
  f32Store: (offset: number) => [0x38, 2, ...unsignedLeb(offset)],
  f32Const: (value: number) => [0x43, ...f32Bytes(value)],
  f32Add: [0x92],
  f32Div: [0x95],
  f32Max: [0x97],
  f32ReinterpretI32: [0xbe],
};

/** local[target] = a + b (i32); a and b are instruction lists that each leave one i32. */
export function i32AddInto(target: number, a: number[], b: number[]): number[] {
  return [...a, ...b, ...op.i32Add, ...op.localSet(target)];
}

/** `while (left < right) body` (unsigned): `block loop (exit if left >= right) body br 0 end end`. */
export function whileBelow(left: number[], right: number[], body: number[]): number[] {
  return [...op.block, ...op.loop, ...left, ...right, ...op.i32GeU, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end];
}

export interface FunctionModule {
  /** The function's export name; the memory is exported as `memory`. */
  exportName: string;
  /** Every parameter is an i32; the function returns nothing. */
  paramCount: number;
  /** Local declarations followed by the instructions and the final `end`. */
  body: number[];
  /**
   * 'own' (default): the module defines its memory (one page to start, growable) and exports it as
   * `memory`. 'imported': it imports a non-shared memory as `env.memory` (any size) and exports none.
   */
  memory?: 'own' | 'imported';
}

/** A module with one memory and one exported function. */
export function functionModuleBytes(fn: FunctionModule): Uint8Array {
  const params = Array.from({ length: fn.paramCount }, () => [TYPE.i32]);
  const imported = fn.memory === 'imported';
  const types = section(1, vector([[TYPE.func, ...vector(params), ...vector([])]]));
  const imports = imported ? section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 1]])) : [];
  const functions = section(3, vector([[0]]));
  const memory = imported ? [] : section(5, vector([[0x00, 1]]));
  const exports = section(7, vector([
    ...(imported ? [] : [[...name('memory'), 0x02, 0]]),
    [...name(fn.exportName), 0x00, 0],
  ]));
  const code = section(10, vector([[...unsignedLeb(fn.body.length), ...fn.body]]));
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  return Uint8Array.from([...header, ...types, ...imports, ...functions, ...memory, ...exports, ...code]);
}
