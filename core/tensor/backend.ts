/**
 * The tfjs backend choice, made once by each host at start-up: tfjs-node when it is installed
 * (it is an optional dependency), else wasm with SIMD, else the plain JS cpu backend.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import './register-ops';

import { StudioError } from '../shared/errors';

import { installWasmKernelFixes } from './wasm-kernels';

/** The names tfjs registers: 'tensorflow' is tfjs-node. */
export const TENSOR_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type TensorBackendName = (typeof TENSOR_BACKENDS)[number];

const ALIASES: Record<string, TensorBackendName> = {
  tensorflow: 'tensorflow',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export interface InitTensorBackendOptions {
  /** Forces one backend (`--backend`); 'auto' or undefined tries tensorflow, wasm, cpu in turn. */
  backend?: string | undefined;
}

/** Parses a `--backend` value; throws `input/invalid` naming the accepted values. */
export function parseBackendName(value: string): TensorBackendName | 'auto' {
  if (value === 'auto') return 'auto';
  const name = ALIASES[value];
  if (name === undefined) {
    throw new StudioError('input/invalid', `Unknown tensor backend '${value}'.`, {
      hint: `Use one of: auto, ${Object.keys(ALIASES).join(', ')}.`,
    });
  }
  return name;
}

// A variable specifier keeps TypeScript from resolving the optional package at build time.
const TFJS_NODE_MODULE = '@tensorflow/tfjs-node';

async function tryTensorflow(): Promise<boolean> {
  try {
    await import(TFJS_NODE_MODULE);
  } catch {
    // Not installed (it downloads libtensorflow on install, so it often is not): fall through.
    return false;
  }
  return tf.setBackend('tensorflow');
}

let wasmPathsSet = false;

async function tryWasm(): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': join(dist, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': join(dist, 'tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': join(dist, 'tfjs-backend-wasm-threaded-simd.wasm'),
    });
    // Wasm threads do not work in Node 20; parallelism comes from worker threads instead.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmPathsSet = true;
  }
  const ready = await tf.setBackend('wasm');
  if (ready) installWasmKernelFixes();
  return ready;
}

async function tryCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

const LOADERS: Record<TensorBackendName, () => Promise<boolean>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

async function tryBackend(name: TensorBackendName): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  try {
    return await LOADERS[name]();
  } catch (error) {
    if (name === 'cpu') {
      throw new StudioError('internal/bug', 'The tfjs cpu backend failed to start.', { cause: error });
    }
    return false;
  }
}

/** Selects and initialises the backend; returns its tfjs name. Safe to call more than once. */
export async function initTensorBackend(options: InitTensorBackendOptions = {}): Promise<TensorBackendName> {
  const requested = options.backend === undefined ? 'auto' : parseBackendName(options.backend);
  if (requested !== 'auto') {
    if (await tryBackend(requested)) return requested;
    throw new StudioError('env/missing-tool', `The '${requested}' tensor backend could not be started.`, {
      hint:
        requested === 'tensorflow'
          ? 'Install @tensorflow/tfjs-node (it downloads libtensorflow), or pick --backend wasm.'
          : 'Pick another backend with --backend, or reinstall the npm packages.',
    });
  }
  for (const name of TENSOR_BACKENDS) {
    if (await tryBackend(name)) return name;
  }
  throw new StudioError('internal/bug', 'No tfjs backend could be started.');
}

export interface TensorBackendInfo {
  name: string;
  /** Only meaningful for wasm. */
  simd: boolean;
  threads: boolean;
}

/** What the current backend is, for banners and benchmark reports. */
export async function describeTensorBackend(): Promise<TensorBackendInfo> {
  const name = tf.getBackend();
  if (name !== 'wasm') return { name, simd: false, threads: false };
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  return { name, simd, threads };
}
