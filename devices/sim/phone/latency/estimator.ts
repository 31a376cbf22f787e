/**
 * The seam between the simulated benchmark_model and a latency model. An estimator reads the model
 * file and prices one inference at full clocks, per operator, on the cores the process may use; the
 * benchmark simulation adds what varies from run to run (thermal throttling, noise, cold caches).
 *
 * The default estimator reads .tflite flatbuffers (tflite-cost-model.ts). Another model format or a
 * learned latency model plugs in by passing `estimateLatency` to SimPhone.
 */
import type { SimCpuCluster, SimPhoneProfile } from '../profiles/profile';

export interface LatencyEstimateOptions {
  profile: SimPhoneProfile;
  /** --num_threads (benchmark_model's default is 1... -1 means "all allowed cores"). */
  threads: number;
  /** CPU numbers the process may run on (taskset mask), ascending. */
  allowedCpus: number[];
  /** --use_gpu=true */
  useGpu: boolean;
  /** --use_xnnpack=false turns the default XNNPACK delegate off (slower reference kernels). */
  useXnnpack: boolean;
}

export interface OpLatencyEstimate {
  /** Node index in the graph. */
  index: number;
  /** Node type as the profiler prints it (CONV_2D, FULLY_CONNECTED, TfLiteGpuDelegateV2, ...). */
  nodeType: string;
  /** Node name as the profiler prints it: `[output tensor]:index`. */
  name: string;
  latencyUs: number;
}

export interface ModelLatencyEstimate {
  ops: OpLatencyEstimate[];
  /** Sum over ops: one warm inference at full clocks, without noise. */
  totalUs: number;
  /** Average power drawn while the model runs, watts (heats the phone). */
  powerW: number;
  modelSizeBytes: number;
  /** What the tool reports it created: 'xnnpack' (CPU default), 'gpu', or 'none'. */
  delegate: 'xnnpack' | 'gpu' | 'none';
  /** Bytes of activations the interpreter allocates (memory footprint line). */
  arenaBytes: number;
}

export type EstimateLatency = (modelBytes: Uint8Array, options: LatencyEstimateOptions) => ModelLatencyEstimate;

/** The model cannot be loaded; the message is what benchmark_model prints before failing. */
export class ModelLoadError extends Error {}

/** One core the work may run on, at its current clock. */
export interface WorkerCore {
  cpu: number;
  cluster: SimCpuCluster;
}
