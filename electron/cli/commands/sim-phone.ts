/** `spvit sim phone`: a simulated Android phone speaking the adb device protocol on TCP, for `adb connect`. */
import { StudioError } from '../../../core/shared/errors';
import { AdbServerHub } from '../../../devices/android/node-adb-server';
import { SimPhone } from '../../../devices/sim/phone/sim-phone';
import { SimPhoneServer } from '../../../devices/sim/phone/sim-phone-server';
import { BUILTIN_PHONE_PROFILES, DEFAULT_PHONE_PROFILE, loadSimPhoneProfile } from '../../../devices/sim/phone/profiles/index';
import { booleanFlag, integerFlag, stringFlag } from '../arguments';

import type { SimAdbAuthPolicy } from '../../../devices/sim/phone/adb/daemon-connection';
import type { CliCommand } from '../command';

/** Not 5555-5585: the adb server scans those ports for emulators and would list the phone twice. */
export const DEFAULT_SIM_PHONE_PORT = 5600;
const AUTH_POLICIES: readonly SimAdbAuthPolicy[] = ['none', 'accept', 'reject'];

export const simPhoneCommand: CliCommand = {
  name: 'sim phone',
  summary: 'a simulated Android phone: adbd on TCP for `adb connect`, with a shell, sync and benchmark_model',
  usage: `spvit sim phone [--port N] [--host H] [--profile ${Object.keys(BUILTIN_PHONE_PROFILES).join('|')}|FILE.json] [--seed S] [--auth none|accept|reject] [--time-scale X] [--realtime] [--connect]`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    profile: { type: 'string' },
    seed: { type: 'string' },
    auth: { type: 'string' },
    'time-scale': { type: 'string' },
    realtime: { type: 'boolean' },
    connect: { type: 'boolean' },
  },
  async run(args, io) {
    const port = integerFlag(args, 'port', { min: 0, max: 65535 }) ?? DEFAULT_SIM_PHONE_PORT;
    const host = stringFlag(args, 'host') ?? '127.0.0.1';
    const profile = loadSimPhoneProfile(stringFlag(args, 'profile') ?? DEFAULT_PHONE_PROFILE);
    const seed = integerFlag(args, 'seed', { min: 0, max: 2 ** 32 - 1 }) ?? 1;
    const auth = (stringFlag(args, 'auth') ?? 'none') as SimAdbAuthPolicy;
    if (!AUTH_POLICIES.includes(auth)) {
      throw new StudioError('input/invalid', `--auth must be one of ${AUTH_POLICIES.join(', ')}, got '${auth}'.`, { hint: "'reject' keeps the phone unauthorized, as if nobody accepted the RSA prompt." });
    }
    const rawScale = stringFlag(args, 'time-scale');
    const timeScale = rawScale === undefined ? 1 : Number(rawScale);
    if (!Number.isFinite(timeScale) || timeScale <= 0) {
      throw new StudioError('input/invalid', `--time-scale must be a positive number, got '${rawScale ?? ''}'.`, { hint: 'Use 10 to let the phone cool down ten times faster than real time.' });
    }
    const phone = new SimPhone({ profile, seed, auth, timeScale, realtimeBenchmarks: booleanFlag(args, 'realtime') });
    const server = new SimPhoneServer({ phone, port, host, onLog: (line) => io.stderr.write(`[sim phone] ${line}\n`) });
    await server.start();
    io.stdout.write(
      [
        `simulated ${profile.description} (profile ${profile.id}, seed ${seed})`,
        `  adbd       listening on ${host}:${server.port} (adb protocol 0x${profile.adb.protocolVersion.toString(16)}, auth ${auth})`,
        `  try        adb connect ${host}:${server.port} && adb -s ${host}:${server.port} shell getprop ro.product.model`,
        `  benchmark  adb push <your benchmark_model> /data/local/tmp/ && adb shell chmod +x /data/local/tmp/benchmark_model`,
        'ready; Ctrl+C stops (unplugs) the phone',
        '',
      ].join('\n'),
    );
    if (booleanFlag(args, 'connect')) {
      const hub = new AdbServerHub();
      try {
        await hub.connect(`${host}:${server.port}`, { signal: io.signal });
        io.stdout.write(`connected the adb server at ${hub.address.host}:${hub.address.port} to ${host}:${server.port}\n`);
      } catch (error) {
        io.stderr.write(`warning: adb connect failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.stop();
    io.stdout.write('simulated phone stopped\n');
    return 0;
  },
};
