/**
 * Runs the GELU modules (f32-gelu.ts) in place on a WebAssembly memory that already holds the
 * tensors (the wasm backend's heap): no copies in or out.
 */
import { geluGradModuleBytes, geluModuleBytes } from './f32-gelu';
import { instantiateOnMemory } from './heap-module';

import type { WasmMemoryLike } from './weight-gradient';

interface GeluExports {
  gelu: (x: number, y: number, n: number) => void;
}

interface GeluGradExports {
  geluGrad: (x: number, dy: number, dx: number, n: number) => void;
}

/** Byte addresses in the memory. */
export interface GeluGradAddresses {
  x: number;
  dy: number;
  dx: number;
}

const sources = [{ bytes: geluModuleBytes }, { bytes: geluGradModuleBytes }];

export class WasmGelu {
  private constructor(
    private readonly forward: GeluExports,
    private readonly gradient: GeluGradExports,
    readonly memory: WasmMemoryLike,
  ) {}

  /** null where WebAssembly SIMD is not available or the memory cannot be imported (shared memory). */
  static create(memory: WasmMemoryLike): WasmGelu | null {
    const exports = instantiateOnMemory(memory, sources);
    return exports === null ? null : new WasmGelu(exports[0] as GeluExports, exports[1] as GeluGradExports, memory);
  }

  /** y = x Phi(x) for `length` floats at byte addresses x and y (equal, or not overlapping). */
  gelu(x: number, y: number, length: number): void {
    this.forward.gelu(x, y, length);
  }

  /** dx = dy (Phi(x) + x phi(x)) for `length` floats; dx may equal x or dy, or overlap neither. */
  geluGrad(at: GeluGradAddresses, length: number): void {
    this.gradient.geluGrad(at.x, at.dy, at.dx, length);
  }
}
