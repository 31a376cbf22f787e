/**
 * The real Debian `adb` server with the simulated phone: `adb connect` to the simulator, then the
 * studio's client (listing, identity, push/pull, benchmark_model, timeouts, unplugging) and the
 * adb command line itself against the simulator, to prove protocol fidelity.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { devicesEvents, devicesMethods } from '../../core/api/contracts/devices';
import { serve } from '../../core/api/server';
import { isStudioError } from '../../core/shared/errors';
import { BenchmarkRunner, REMOTE_BINARY } from '../../devices/android/benchmark/benchmark-runner';
import { readDeviceInfo } from '../../devices/android/device-info';
import { listPhones } from '../../devices/android/list-phones';
import { AdbServerHub } from '../../devices/android/node-adb-server';
import { GALAXY_S20 } from '../../devices/sim/phone/profiles/galaxy-s20';
import { MOTO_E5_PLAY } from '../../devices/sim/phone/profiles/moto-e5-play';
import { SimPhone } from '../../devices/sim/phone/sim-phone';
import { SimPhoneServer } from '../../devices/sim/phone/sim-phone-server';
import { DeviceWatcher, devicesHandlers } from '../../electron/backend/handlers/devices';
import { TINY_VIT, vitTflite } from '../fixtures/android/tflite-vit';
import { requireTool } from '../support/require-tool';

import type { DeviceSummary } from '../../core/api/contracts/devices';
import type { AdbDeviceEntry, PhoneAgent } from '../../devices/android/phone-agent';
import type { BackendDeps } from '../../electron/backend/deps';
import type { SimAdbAuthPolicy } from '../../devices/sim/phone/adb/daemon-connection';
import type { SimPhoneProfile } from '../../devices/sim/phone/profiles/profile';

const run = promisify(execFile);
const adb = requireTool('adb', 'adb');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function expectCode(error: unknown, code: Parameters<typeof isStudioError>[1]): void {
  expect(isStudioError(error, code), `expected ${String(code)}, got ${String((error as { code?: string })?.code)}: ${String((error as Error)?.message)}`).toBe(true);
}

describe.skipIf(adb === null)('Android phones over adb, against the simulated phone', () => {
  const home = mkdtempSync(join(tmpdir(), 'spvit-adb-home-'));
  let env: NodeJS.ProcessEnv;
  let hub: AdbServerHub;
  const sims: SimPhoneServer[] = [];
  const opened: string[] = [];

  /** The adb command line, against our private adb server (its own port and key directory). */
  function adbCli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(adb!, args, { env, timeout: 30_000 });
  }

  /** Resolves when the adb server lists `serial` in state `device` (driven by track-devices, no polling). */
  async function waitUntilOnline(serial: string): Promise<AdbDeviceEntry> {
    let resolveFound: (entry: AdbDeviceEntry) => void = () => undefined;
    const found = new Promise<AdbDeviceEntry>((resolve) => {
      resolveFound = resolve;
    });
    const stop = await hub.trackDevices((devices) => {
      const entry = devices.find((device) => device.serial === serial && device.state === 'device');
      if (entry !== undefined) resolveFound(entry);
    });
    try {
      return await found;
    } finally {
      await stop();
    }
  }

  async function startPhone(profile: SimPhoneProfile, auth: SimAdbAuthPolicy = 'none'): Promise<SimPhoneServer> {
    const server = new SimPhoneServer({
      phone: new SimPhone({ profile: structuredClone(profile), seed: 11, auth, timeScale: 1000 }),
      onLog: (line) => {
        if (line.startsWith('open ')) opened.push(line.slice(5));
      },
    });
    await server.start();
    sims.push(server);
    // `adb connect` exits non-zero for a phone that refuses the key; its state tells the rest.
    await adbCli('connect', server.serial).catch(() => undefined);
    return server;
  }

  beforeAll(async () => {
    env = { ...process.env, HOME: home, ANDROID_ADB_SERVER_PORT: String(await freePort()) };
    delete env.ADB_SERVER_SOCKET;
    await adbCli('start-server');
    hub = new AdbServerHub({ address: { host: '127.0.0.1', port: Number(env.ANDROID_ADB_SERVER_PORT) } });
  });

  afterAll(async () => {
    await Promise.all(sims.map((sim) => sim.stop()));
    await adbCli('kill-server').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('speaks the old protocol (0x01000000, checksums, 256 KiB payloads) with a low-end phone', async () => {
    const server = await startPhone(MOTO_E5_PLAY);
    await waitUntilOnline(server.serial);
    expect((await adbCli('-s', server.serial, 'shell', 'getprop', 'ro.board.platform')).stdout).toBe('msm8937\n');
    const phone = await hub.openPhone(server.serial);
    try {
      const data = new Uint8Array(600_000).map((_, index) => (index * 7) & 0xff);
      await phone.push(data, '/sdcard/legacy.bin');
      expect(Buffer.compare(Buffer.from(await phone.pull('/sdcard/legacy.bin')), Buffer.from(data))).toBe(0);
      const info = await readDeviceInfo(phone);
      expect([info.identity.soc, info.health.bigCoreMask]).toEqual(['msm8937', 'f']);
    } finally {
      await phone.close();
    }
  });

  it('says device/unauthorized, with the RSA prompt hint, for a phone that has not accepted the key', async () => {
    // `adb connect` answers only once the phone went online or asked for a key, so the state is
    // settled here (adb 29 does not tell track-devices about the unauthorized state).
    const server = await startPhone(GALAXY_S20, 'reject');
    expect((await hub.listDevices()).find((device) => device.serial === server.serial)?.state).toBe('unauthorized');
    let caught: unknown;
    await hub.openPhone(server.serial).catch((error: unknown) => (caught = error));
    expectCode(caught, 'device/unauthorized');
    expect((caught as { hint?: string }).hint).toMatch(/RSA/);
    const summary = (await listPhones(hub)).find((device) => device.id === server.serial);
    expect(summary?.state).toBe('unauthorized');
  });

  it('serves devices.list, devices.connect, devices.phoneInfo and devices.changed from the backend', async () => {
    const watcher = new DeviceWatcher(() => hub);
    const handlers = devicesHandlers({} as BackendDeps, { hub: () => hub, watcher });
    const methods = {
      'devices.list': devicesMethods['devices.list'],
      'devices.connect': devicesMethods['devices.connect'],
      'devices.phoneInfo': devicesMethods['devices.phoneInfo'],
    };
    const backend = serve({ methods, events: devicesEvents }, handlers, { validateResults: true });
    watcher.onChange((listing) => backend.emit('devices.changed', listing));
    try {
      const listed = await backend.dispatch('devices.list', {});
      expect(listed).toMatchObject({ ok: true, result: { problems: [] } });
      const server = new SimPhoneServer({ phone: new SimPhone({ profile: structuredClone(GALAXY_S20), seed: 5 }) });
      await server.start();
      sims.push(server);
      const changed = new Promise<DeviceSummary[]>((resolve) => {
        backend.onEvent((event, payload) => {
          const devices = (payload as { devices: DeviceSummary[] }).devices;
          if (event === 'devices.changed' && devices.some((device) => device.id === server.serial && device.state === 'device' && device.model === 'SM-G980F')) resolve(devices);
        });
      });
      const connected = await backend.dispatch('devices.connect', { address: server.serial });
      expect(connected.ok).toBe(true);
      const pushed = await changed;
      expect(pushed.find((device) => device.id === server.serial)?.simulated).toBe(true);
      const info = await backend.dispatch('devices.phoneInfo', { serial: server.serial });
      expect(info).toMatchObject({ ok: true, result: { identity: { model: 'SM-G980F' }, health: { bigCoreMask: 'f0' } } });
      const missing = await backend.dispatch('devices.phoneInfo', { serial: '10.255.255.1:5600' });
      expect(missing).toMatchObject({ ok: false, error: { code: 'device/not-found' } });
    } finally {
      await watcher.dispose();
    }
  });

  describe('a Galaxy S20 on the network', () => {
    let server: SimPhoneServer;
    let phone: PhoneAgent;

    beforeAll(async () => {
      server = await startPhone(GALAXY_S20);
      await waitUntilOnline(server.serial);
      phone = await hub.openPhone(server.serial);
    });

    afterAll(async () => {
      await phone.close();
    });

    it('is listed by the adb server with its identity, marked simulated', async () => {
      const phones = await listPhones(hub);
      const summary = phones.find((device) => device.id === server.serial);
      expect(summary).toMatchObject({ kind: 'android', state: 'device', model: 'SM-G980F', simulated: true });
      expect(summary?.details).toMatchObject({ soc: 'S5E9830', androidVersion: '13', abi: 'arm64-v8a', bigCoreMask: 'f0', batteryPercent: 84 });
    });

    it('reports identity and health: clusters, big-core mask, temperatures and battery', async () => {
      const info = await readDeviceInfo(phone);
      expect(info.identity).toMatchObject({ manufacturer: 'samsung', model: 'SM-G980F', soc: 'S5E9830', boardPlatform: 'universal990', sdk: 33, simulator: 'galaxy-s20' });
      expect(info.health.clusters.map((cluster) => cluster.cpus.length)).toEqual([4, 2, 2]);
      expect(info.health.bigCoreMask).toBe('f0');
      expect(info.health.thermalZones.map((zone) => zone.type)).toEqual(['BIG', 'MID', 'LITTLE', 'G3D', 'ISP', 'battery']);
      expect(info.health.cpuTemperatureC).toBeGreaterThan(20);
      expect(info.health.battery?.levelPercent).toBe(84);
    });

    it('pushes and pulls a few hundred KB byte for byte', async () => {
      const data = new Uint8Array(300_000).map((_, index) => (index * 131 + (index >> 8)) & 0xff);
      await phone.push(data, '/data/local/tmp/studio/roundtrip.bin');
      const back = await phone.pull('/data/local/tmp/studio/roundtrip.bin');
      expect(back.length).toBe(data.length);
      expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
      expect(await phone.stat('/data/local/tmp/studio/roundtrip.bin')).toMatchObject({ sizeBytes: 300_000, isDirectory: false });
      expect(await phone.stat('/data/local/tmp/studio/absent.bin')).toBeNull();
    });

    it('runs benchmark_model on a pushed model, pinned to the big cores, and cleans up', async () => {
      const runner = new BenchmarkRunner({ phone, binary: new TextEncoder().encode('\x7fELF benchmark_model stand-in: the simulator runs its own') });
      const measurement = await runner.run({ model: vitTflite(TINY_VIT), threads: 4, warmupRuns: 2, runs: 12, opProfiling: true, coolDown: { thresholdC: 80, timeoutMs: 5_000, pollMs: 50 } });
      expect(measurement.command).toMatch(/^taskset f0 \/data\/local\/tmp\/benchmark_model --graph=.* --num_threads=4 --warmup_runs=2 --num_runs=12 --min_secs=0 --enable_op_profiling=true$/);
      expect(measurement.result.format).toBe('info-prefixed');
      expect(measurement.result.inference?.count).toBe(12);
      expect(measurement.result.inferenceAvgUs).toBeGreaterThan(100);
      expect(measurement.result.opProfile?.runOrder.length).toBeGreaterThan(20);
      expect(measurement.coolDown?.reachedThreshold).toBe(true);
      expect(measurement.temperatures.after.cpuTemperatureC).not.toBeNull();
      expect(await phone.stat(REMOTE_BINARY)).toMatchObject({ permissions: 0o755 });
      const leftovers = await phone.shell('ls /data/local/tmp');
      expect(leftovers.output).not.toMatch(/spvit-.*\.tflite/);
    });

    it('is reachable with the adb command line: shell, push and exit statuses', async () => {
      expect((await adbCli('-s', server.serial, 'shell', 'getprop', 'ro.product.model')).stdout).toBe('SM-G980F\n');
      const local = join(home, 'cli-push.bin');
      const content = Buffer.from(Array.from({ length: 70_000 }, (_, index) => index % 251));
      writeFileSync(local, content);
      await adbCli('-s', server.serial, 'push', local, '/data/local/tmp/cli-push.bin');
      expect(Buffer.compare(Buffer.from(await phone.pull('/data/local/tmp/cli-push.bin')), content)).toBe(0);
      await adbCli('-s', server.serial, 'pull', '/data/local/tmp/cli-push.bin', `${local}.back`);
      expect(Buffer.compare(readFileSync(`${local}.back`), content)).toBe(0);
      expect((await phone.shell('sha256sum /data/local/tmp/cli-push.bin')).output.split(' ')[0]).toMatch(/^[0-9a-f]{64}$/);
    });

    it('runs shell commands with exit statuses, and times out or cancels long ones', async () => {
      expect(await phone.shell('ls /nope')).toEqual({ output: 'ls: /nope: No such file or directory\n', exitCode: 1 });
      expect(await phone.shell('echo hi # a trailing comment')).toEqual({ output: 'hi\n', exitCode: 0 });
      expect(await phone.shell('echo -n no-newline')).toEqual({ output: 'no-newline', exitCode: 0 });
      let timedOut: unknown;
      await phone.shell('sleep 600', { timeoutMs: 300 }).catch((error: unknown) => (timedOut = error));
      expectCode(timedOut, 'device/timeout');
      const controller = new AbortController();
      const pending = phone.shell('sleep 600', { signal: controller.signal });
      controller.abort();
      let cancelled: unknown;
      await pending.catch((error: unknown) => (cancelled = error));
      expectCode(cancelled, 'cancelled');
      // The phone is still fine afterwards.
      expect((await phone.shell('echo alive')).output).toBe('alive\n');
    });

    it('gives device/disconnected, not a crash, when the phone is unplugged', async () => {
      const running = phone.shell('sleep 600', { timeoutMs: 60_000 });
      const outcome = running.then(() => null, (error: unknown) => error);
      // Unplug once the command is running on the phone.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (opened.some((service) => service.startsWith('exec:sleep 600'))) resolve();
          else setImmediate(check);
        };
        check();
      });
      await server.stop();
      expectCode(await outcome, 'device/disconnected');
      let afterwards: unknown;
      await phone.shell('echo hello').catch((error: unknown) => (afterwards = error));
      expectCode(afterwards, 'device/disconnected');
      // adb 29 lists an unplugged network phone as offline while it retries, then drops it.
      let reopen: unknown;
      await hub.openPhone(server.serial).catch((error: unknown) => (reopen = error));
      expect(isStudioError(reopen, 'device/disconnected') || isStudioError(reopen, 'device/not-found')).toBe(true);
    });
  });

});
