/**
 * Just enough of the FlatBuffers wire format to read a TFLite model: tables with vtables, scalars,
 * strings, vectors of scalars and of tables. Every offset is bounds-checked; a bad file throws.
 */
export class FlatbufferError extends Error {}

export class FlatbufferTable {
  readonly #view: DataView;
  readonly #position: number;
  readonly #vtable: number;
  readonly #vtableBytes: number;

  constructor(view: DataView, position: number) {
    this.#view = view;
    this.#position = position;
    checkRange(view, position, 4);
    this.#vtable = position - view.getInt32(position, true);
    checkRange(view, this.#vtable, 4);
    this.#vtableBytes = view.getUint16(this.#vtable, true);
    checkRange(view, this.#vtable, this.#vtableBytes);
  }

  /** The root table of a buffer, and its 4-byte file identifier (e.g. 'TFL3'). */
  static root(bytes: Uint8Array): { table: FlatbufferTable; identifier: string } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkRange(view, 0, 8);
    const identifier = String.fromCharCode(...bytes.subarray(4, 8));
    return { table: new FlatbufferTable(view, view.getUint32(0, true)), identifier };
  }

  /** Absolute position of field `index`, or null when absent (default value). */
  #field(index: number): number | null {
    const slot = 4 + index * 2;
    if (slot + 2 > this.#vtableBytes) return null;
    const offset = this.#view.getUint16(this.#vtable + slot, true);
    return offset === 0 ? null : this.#position + offset;
  }

  has(index: number): boolean {
    return this.#field(index) !== null;
  }

  uint8(index: number, fallback = 0): number {
    const at = this.#field(index);
    return at === null ? fallback : this.#view.getUint8(at);
  }

  int8(index: number, fallback = 0): number {
    const at = this.#field(index);
    return at === null ? fallback : this.#view.getInt8(at);
  }

  int32(index: number, fallback = 0): number {
    const at = this.#field(index);
    return at === null ? fallback : this.#view.getInt32(at, true);
  }

  uint32(index: number, fallback = 0): number {
    const at = this.#field(index);
    return at === null ? fallback : this.#view.getUint32(at, true);
  }

  uint64(index: number, fallback = 0n): bigint {
    const at = this.#field(index);
    return at === null ? fallback : this.#view.getBigUint64(at, true);
  }

  bool(index: number, fallback = false): boolean {
    const at = this.#field(index);
    return at === null ? fallback : this.#view.getUint8(at) !== 0;
  }

  table(index: number): FlatbufferTable | null {
    const at = this.#field(index);
    return at === null ? null : new FlatbufferTable(this.#view, this.#indirect(at));
  }

  string(index: number): string | null {
    const bytes = this.bytes(index);
    return bytes === null ? null : new TextDecoder().decode(bytes);
  }

  /** A [ubyte] vector (or string) as a view into the buffer. */
  bytes(index: number): Uint8Array | null {
    const vector = this.#vector(index, 1);
    return vector === null ? null : new Uint8Array(this.#view.buffer, this.#view.byteOffset + vector.start, vector.length);
  }

  int32s(index: number): number[] {
    const vector = this.#vector(index, 4);
    if (vector === null) return [];
    return Array.from({ length: vector.length }, (_, i) => this.#view.getInt32(vector.start + i * 4, true));
  }

  tables(index: number): FlatbufferTable[] {
    const vector = this.#vector(index, 4);
    if (vector === null) return [];
    return Array.from({ length: vector.length }, (_, i) => new FlatbufferTable(this.#view, this.#indirect(vector.start + i * 4)));
  }

  #indirect(at: number): number {
    checkRange(this.#view, at, 4);
    return at + this.#view.getUint32(at, true);
  }

  #vector(index: number, elementBytes: number): { start: number; length: number } | null {
    const at = this.#field(index);
    if (at === null) return null;
    const vector = this.#indirect(at);
    checkRange(this.#view, vector, 4);
    const length = this.#view.getUint32(vector, true);
    checkRange(this.#view, vector + 4, length * elementBytes);
    return { start: vector + 4, length };
  }
}

function checkRange(view: DataView, start: number, length: number): void {
  if (start < 0 || length < 0 || start + length > view.byteLength) {
    throw new FlatbufferError(`offset ${start}+${length} is outside the ${view.byteLength}-byte buffer`);
  }
}
