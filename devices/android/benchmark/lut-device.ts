/**
 * The device identity a latency table records for measurements made with benchmark_model, in the
 * LUT format of core/latency (the profiler that builds tables plugs the runner's measurements in here).
 */
import type { LutDevice } from '../../../core/latency/lut-schema';
import type { AndroidDeviceInfo } from '../device-info';
import type { BenchmarkMeasurement, BenchmarkRequest } from './benchmark-runner';

export function androidLutDevice(info: AndroidDeviceInfo, request: Pick<BenchmarkRequest, 'threads' | 'useGpu'>, measurement: BenchmarkMeasurement): LutDevice {
  const { identity, health } = info;
  const delegate = request.useGpu ? 'gpu' : (measurement.result.delegate ?? 'cpu').toLowerCase();
  return {
    id: identity.serial,
    kind: 'android',
    model: identity.model ?? identity.serial,
    soc: identity.soc,
    runtime: 'tflite benchmark_model',
    runtimeVersion: `output:${measurement.result.format}`,
    threads: request.threads,
    delegate,
    precision: 'fp32',
    batch: 1,
    extra: {
      manufacturer: identity.manufacturer,
      androidVersion: identity.androidVersion,
      abi: identity.abi,
      cpuMask: measurement.cpuMask,
      bigCoreMask: health.bigCoreMask,
      clusters: health.clusters.map((cluster) => ({ cpus: cluster.cpus, maxFreqKHz: cluster.maxFreqKHz })),
      temperatureBeforeC: measurement.temperatures.before.cpuTemperatureC,
      temperatureAfterC: measurement.temperatures.after.cpuTemperatureC,
    },
  };
}
