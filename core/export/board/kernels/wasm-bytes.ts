/**
 * A few helpers to write a WebAssembly module byte by byte (LEB128 numbers, sections, the opcodes the
 * matmul kernel uses). Opcode values are those of the WebAssembly core and SIMD specifications.
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

export const TYPE = { i32: 0x7f, v128: 0x7b, func: 0x60, emptyBlock: 0x40 } as const;

const simd = (opcode: number): number[] => [0xfd, ...unsignedLeb(opcode)];

/** Instructions as byte lists. Memory accesses take (log2 alignment, offset). */
export const op = {
  block: [0x02, TYPE.emptyBlock],
  loop: [0x03, TYPE.emptyBlock],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...unsignedLeb(depth)],
  brIf: (depth: number) => [0x0d, ...unsignedLeb(depth)],
  localGet: (index: number) => [0x20, ...unsignedLeb(index)],
  localSet: (index: number) => [0x21, ...unsignedLeb(index)],
  i32Const: (value: number) => [0x41, ...signedLeb(value)],
  i32Store: (offset: number) => [0x36, 2, ...unsignedLeb(offset)],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  v128Load: (offset: number) => [...simd(0x00), 4, ...unsignedLeb(offset)],
  v128Const0: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  i32x4ExtractLane: (lane: number) => [...simd(0x1b), lane],
  i32x4Add: simd(0xae),
  i32x4DotI16x8S: simd(0xba),
};
