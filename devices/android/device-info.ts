/**
 * Identity and health of a phone, read with one shell call: getprop, the cores' maximum clocks
 * (-> clusters and the big-core taskset mask), thermal zones and the battery. Recorded with every
 * measurement so that a latency table says which phone, SoC and temperature it came from.
 */
import { StudioError } from '../../core/shared/errors';

import {
  bigCoreMask,
  cpuClusters,
  cpuTemperatureC,
  parseCpuFrequencies,
  parseDumpsysBattery,
  parseGetprop,
  parseThermalZones,
} from './protocol/device-info-parse';

import type { BatteryState, CpuCluster, ThermalZoneReading } from './protocol/device-info-parse';
import type { PhoneAgent, PhoneCallOptions } from './phone-agent';

export interface AndroidIdentity {
  serial: string;
  manufacturer: string | null;
  model: string | null;
  /** ro.soc.model (Android 12+), else ro.board.platform / ro.hardware. */
  soc: string | null;
  socManufacturer: string | null;
  boardPlatform: string | null;
  androidVersion: string | null;
  sdk: number | null;
  abi: string | null;
  fingerprint: string | null;
  /** Set (to the profile id) only by the studio's simulated phone. */
  simulator: string | null;
}

export interface AndroidHealth {
  clusters: CpuCluster[];
  /** taskset mask of the big cores, hex without 0x (e.g. 'f0'). */
  bigCoreMask: string;
  bigCores: number[];
  thermalZones: ThermalZoneReading[];
  cpuTemperatureC: number | null;
  battery: BatteryState | null;
}

export interface AndroidDeviceInfo {
  identity: AndroidIdentity;
  health: AndroidHealth;
  readAt: string;
}

const SECTION = ':spvit-section:';
const THERMAL_COMMAND = 'grep -H . /sys/class/thermal/thermal_zone*/type /sys/class/thermal/thermal_zone*/temp 2>/dev/null';
const INFO_COMMAND = [
  'getprop',
  `echo ${SECTION}cpu`,
  'grep -H . /sys/devices/system/cpu/cpu[0-9]*/cpufreq/cpuinfo_max_freq 2>/dev/null',
  `echo ${SECTION}thermal`,
  THERMAL_COMMAND,
  `echo ${SECTION}battery`,
  'dumpsys battery 2>/dev/null',
].join('; ');

function sections(output: string): Map<string, string> {
  const parts = output.split(SECTION);
  const result = new Map<string, string>([['getprop', parts[0] ?? '']]);
  for (const part of parts.slice(1)) {
    const newline = part.indexOf('\n');
    result.set(part.slice(0, newline === -1 ? undefined : newline).trim(), newline === -1 ? '' : part.slice(newline + 1));
  }
  return result;
}

export function identityFromProperties(serial: string, properties: ReadonlyMap<string, string>): AndroidIdentity {
  const get = (key: string): string | null => {
    const value = properties.get(key);
    return value === undefined || value === '' ? null : value;
  };
  const sdk = Number(get('ro.build.version.sdk'));
  return {
    serial,
    manufacturer: get('ro.product.manufacturer'),
    model: get('ro.product.model'),
    soc: get('ro.soc.model') ?? get('ro.board.platform') ?? get('ro.hardware'),
    socManufacturer: get('ro.soc.manufacturer'),
    boardPlatform: get('ro.board.platform'),
    androidVersion: get('ro.build.version.release'),
    sdk: Number.isFinite(sdk) && sdk > 0 ? sdk : null,
    abi: get('ro.product.cpu.abi'),
    fingerprint: get('ro.build.fingerprint'),
    simulator: get('ro.spvit.simulator'),
  };
}

export async function readDeviceInfo(phone: PhoneAgent, options: PhoneCallOptions = {}): Promise<AndroidDeviceInfo> {
  const { output } = await phone.shell(INFO_COMMAND, options);
  const parts = sections(output);
  const properties = parseGetprop(parts.get('getprop') ?? '');
  if (properties.size === 0) {
    throw new StudioError('protocol/bad-frame', `${phone.serial} printed no properties for getprop.`, {
      hint: 'Is this an Android device? See the output in the details.',
      details: { serial: phone.serial, output: output.slice(0, 4000) },
    });
  }
  const cpus = parseCpuFrequencies(parts.get('cpu') ?? '');
  const big = bigCoreMask(cpus);
  const thermalZones = parseThermalZones(parts.get('thermal') ?? '');
  return {
    identity: identityFromProperties(phone.serial, properties),
    health: {
      clusters: cpuClusters(cpus),
      bigCoreMask: big.mask,
      bigCores: big.cpus,
      thermalZones,
      cpuTemperatureC: cpuTemperatureC(thermalZones),
      battery: parseDumpsysBattery(parts.get('battery') ?? ''),
    },
    readAt: new Date().toISOString(),
  };
}

export interface ThermalSnapshot {
  cpuTemperatureC: number | null;
  zones: ThermalZoneReading[];
  readAt: string;
}

/** Just the thermal zones (cheap; polled while waiting for the phone to cool down). */
export async function readThermalSnapshot(phone: PhoneAgent, options: PhoneCallOptions = {}): Promise<ThermalSnapshot> {
  const { output } = await phone.shell(THERMAL_COMMAND, options);
  const zones = parseThermalZones(output);
  return { cpuTemperatureC: cpuTemperatureC(zones), zones, readAt: new Date().toISOString() };
}
