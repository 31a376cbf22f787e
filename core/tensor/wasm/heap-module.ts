/**
 * What the hand-assembled SIMD kernels share: compiling their modules once per process,
 * instantiating them on the wasm backend's own heap memory (their `env.memory` import), and finding
 * that memory through the Emscripten module's exports (`backend.wasm.asm.memory`, tfjs-backend-wasm
 * 4.x). Where WebAssembly SIMD, the memory or an importable (unshared) heap is missing, the result
 * is null and callers keep their stock path.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The part of a WebAssembly.Memory used here. */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
}

/** The part of the WebAssembly API used here (core's lib settings do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** A module's bytes and, once compiled, the module (null: they do not validate here). */
export interface ModuleSource {
  bytes: () => Uint8Array;
  compiled?: object | null;
}

function compiledModule(api: WasmApi, source: ModuleSource): object | null {
  if (source.compiled === undefined) {
    const bytes = source.bytes();
    source.compiled = api.validate(bytes) ? new api.Module(bytes) : null;
  }
  return source.compiled;
}

/** Each source's exports, instantiated on `memory`; null where any of them cannot be. */
export function instantiateOnMemory(memory: WasmMemoryLike, sources: readonly ModuleSource[]): unknown[] | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined || !(memory.buffer instanceof ArrayBuffer)) return null;
  const modules = sources.map((source) => compiledModule(api, source));
  if (modules.some((module) => module === null)) return null;
  return modules.map((module) => new api.Instance(module as object, { env: { memory } }).exports);
}

/** The wasm backend as the kernels see it (only the memory is read here). */
export interface MemoryBackend {
  wasm?: { asm?: { memory?: WasmMemoryLike } };
}

/** The wasm backend as a kernel writing its outputs on the heap sees it. */
export interface HeapBackend extends MemoryBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * `create` bound to the backend's heap memory, kept per thread and made again when the backend's
 * memory object changes (a new backend); null where there is no memory or `create` gives none.
 */
export function memoryBound<T extends { readonly memory: WasmMemoryLike }>(create: (memory: WasmMemoryLike) => T | null): (backend: MemoryBackend) => T | null {
  let bound: T | null | undefined;
  return (backend) => {
    const memory = backend.wasm?.asm?.memory;
    if (bound === undefined || (bound !== null && bound.memory !== memory)) bound = memory === undefined ? null : create(memory);
    return bound;
  };
}
