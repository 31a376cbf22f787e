/**
 * Runs the GELU modules (f32-gelu.ts) in place on a WebAssembly memory that already holds the
 * tensors (the wasm backend's heap): no copies in or out.
 */
import { geluGradModuleBytes, geluModuleBytes } from './f32-gelu';

import type { WasmMemoryLike } from './weight-gradient';

/** The part of the WebAssembly API used here (core's lib settings do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

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

const modules: { forward?: object | null; gradient?: object | null } = {};

function compiled(api: WasmApi, bytes: () => Uint8Array): object | null {
  const code = bytes();
  return api.validate(code) ? new api.Module(code) : null;
}

export class WasmGelu {
  private constructor(
    private readonly forward: GeluExports,
    private readonly gradient: GeluGradExports,
    readonly memory: WasmMemoryLike,
  ) {}

  /** null where WebAssembly SIMD is not available or the memory cannot be imported (shared memory). */
  static create(memory: WasmMemoryLike): WasmGelu | null {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined || !(memory.buffer instanceof ArrayBuffer)) return null;
    if (modules.forward === undefined) modules.forward = compiled(api, geluModuleBytes);
    if (modules.gradient === undefined) modules.gradient = compiled(api, geluGradModuleBytes);
    if (modules.forward === null || modules.gradient === null) return null;
    const imports = { env: { memory } };
    const forward = new api.Instance(modules.forward, imports).exports as GeluExports;
    const gradient = new api.Instance(modules.gradient, imports).exports as GeluGradExports;
    return new WasmGelu(forward, gradient, memory);
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
