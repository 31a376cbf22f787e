/**
 * The benchmark_model runner and the cool-down wait against the simulated phone, in process (no adb
 * server needed): installing the binary, running pinned to the big cores, cleaning up, failures,
 * cancellation, and waiting for a hot phone to cool down.
 */
import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../core/shared/errors';
import { BenchmarkRunner, REMOTE_BINARY } from '../../devices/android/benchmark/benchmark-runner';
import { waitForCoolDown } from '../../devices/android/benchmark/cool-down';
import { androidLutDevice } from '../../devices/android/benchmark/lut-device';
import { GALAXY_S20 } from '../../devices/sim/phone/profiles/galaxy-s20';
import { PIXEL_4A } from '../../devices/sim/phone/profiles/pixel-4a';
import { SimPhone } from '../../devices/sim/phone/sim-phone';
import { SimPhoneAgent } from '../../devices/sim/phone/sim-phone-agent';
import { TINY_VIT, vitTflite } from '../fixtures/android/tflite-vit';

import type { PushOptions } from '../../devices/android/phone-agent';
import type { SimPhoneOptions } from '../../devices/sim/phone/sim-phone';

const BINARY = new TextEncoder().encode('\x7fELF benchmark_model stand-in');

class CountingAgent extends SimPhoneAgent {
  pushes: string[] = [];
  override push(data: Uint8Array, remotePath: string, options?: PushOptions): Promise<void> {
    this.pushes.push(remotePath);
    return super.push(data, remotePath, options);
  }
}

function agent(options: Partial<SimPhoneOptions> = {}): CountingAgent {
  return new CountingAgent(new SimPhone({ profile: structuredClone(GALAXY_S20), seed: 2, ...options }));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => null, (error: unknown) => error);
}

describe('BenchmarkRunner', () => {
  it('installs benchmark_model once (same hash: no second push) and makes it executable', async () => {
    const phone = agent();
    await new BenchmarkRunner({ phone, binary: BINARY }).prepare();
    expect(phone.pushes).toEqual([REMOTE_BINARY]);
    expect(await phone.stat(REMOTE_BINARY)).toMatchObject({ permissions: 0o755, sizeBytes: BINARY.length });
    await new BenchmarkRunner({ phone, binary: BINARY }).prepare();
    expect(phone.pushes).toEqual([REMOTE_BINARY]);
    await new BenchmarkRunner({ phone, binary: new TextEncoder().encode('\x7fELF another build!!!!!!!') }).prepare();
    expect(phone.pushes).toEqual([REMOTE_BINARY, REMOTE_BINARY]);
  });

  it('runs on the big cores with exact run counts, records temperatures and removes the model', async () => {
    const phone = agent();
    const runner = new BenchmarkRunner({ phone, binary: BINARY });
    const request = { model: vitTflite(TINY_VIT), threads: 2, warmupRuns: 1, runs: 9 };
    const measurement = await runner.run(request);
    expect(measurement.cpuMask).toBe('f0');
    expect(measurement.command).toContain('taskset f0 /data/local/tmp/benchmark_model');
    expect(measurement.result.inference?.count).toBe(9);
    expect(measurement.temperatures.after.cpuTemperatureC).toBeGreaterThanOrEqual(measurement.temperatures.before.cpuTemperatureC!);
    expect(phone.phone.fs.list('/data/local/tmp').map(([name]) => name)).toEqual(['benchmark_model']);
    const device = androidLutDevice(runner.deviceInfo!, request, measurement);
    expect(device).toMatchObject({ id: 'sim:galaxy-s20', kind: 'android', model: 'SM-G980F', soc: 'S5E9830', threads: 2, delegate: 'xnnpack', runtimeVersion: 'output:info-prefixed' });
  });

  it('runs on every core with cpus: all, and on a 6+2 phone picks c0', async () => {
    const pixel = new SimPhoneAgent(new SimPhone({ profile: structuredClone(PIXEL_4A) }));
    const runner = new BenchmarkRunner({ phone: pixel, binary: BINARY });
    expect((await runner.run({ model: vitTflite(TINY_VIT), threads: 2, warmupRuns: 1, runs: 3 })).cpuMask).toBe('c0');
    const all = await runner.run({ model: vitTflite(TINY_VIT), threads: 2, warmupRuns: 1, runs: 3, cpus: 'all' });
    expect([all.cpuMask, all.command.startsWith('/data/local/tmp/benchmark_model')]).toEqual([null, true]);
  });

  it('fails with the tool output attached (not a 0) when the model is unreadable, and still cleans up', async () => {
    const phone = agent();
    const error = await failure(new BenchmarkRunner({ phone, binary: BINARY }).run({ model: new TextEncoder().encode('not a flatbuffer at all'), threads: 1, warmupRuns: 1, runs: 3 }));
    expect(isStudioError(error, 'device/failed')).toBe(true);
    expect(JSON.stringify((error as { details?: unknown }).details)).toContain("should be 'TFL3'");
    expect(phone.phone.fs.list('/data/local/tmp').map(([name]) => name)).toEqual(['benchmark_model']);
  });

  it('is cancelled by its AbortSignal', async () => {
    const phone = agent({ realtimeBenchmarks: true });
    const controller = new AbortController();
    const running = new BenchmarkRunner({ phone, binary: BINARY }).run({ model: vitTflite(TINY_VIT), threads: 1, warmupRuns: 1, runs: 100_000, signal: controller.signal });
    controller.abort();
    expect(isStudioError(await failure(running), 'cancelled')).toBe(true);
  });
});

describe('waitForCoolDown', () => {
  it('waits until a hot phone is below the threshold and keeps the readings', async () => {
    // Once set up, the phone's clock moves one second each time it is read, whatever the real
    // time: cooling proceeds by reads, not by how busy this machine is.
    let ticking = false;
    let ticks = 0;
    const phone = agent({ initialTemperatureC: 78, wallClockMs: () => (ticking ? (ticks += 1) * 1000 : 0) });
    ticking = true;
    const result = await waitForCoolDown(phone, { thresholdC: 45, timeoutMs: 60_000, pollMs: 1 });
    expect(result.reachedThreshold).toBe(true);
    expect(result.startC).toBeGreaterThan(70);
    expect(result.endC).toBeLessThanOrEqual(45);
    expect(result.readings.length).toBeGreaterThanOrEqual(3);
    const temperatures = result.readings.map((reading) => reading.cpuTemperatureC!);
    expect(temperatures.every((value, index) => index === 0 || value < temperatures[index - 1]!)).toBe(true);
  });

  it('gives up after the timeout and says the threshold was not reached', async () => {
    const phone = agent({ initialTemperatureC: 78 });
    const result = await waitForCoolDown(phone, { thresholdC: 20, timeoutMs: 150, pollMs: 30 });
    expect(result.reachedThreshold).toBe(false);
    expect(result.waitedMs).toBeGreaterThanOrEqual(150);
  });
});
