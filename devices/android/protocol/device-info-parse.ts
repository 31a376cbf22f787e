/** Pure parsers for what a phone's shell prints about itself: getprop, sysfs via `grep -H`, dumpsys battery. */

/** `getprop` without arguments: lines `[key]: [value]`. */
export function parseGetprop(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\[([^\]]+)\]: \[(.*)\]$/.exec(line.trim());
    if (match !== null) properties.set(match[1]!, match[2]!);
  }
  return properties;
}

/** `grep -H . FILES`: lines `path:value` (errors such as permission denied are skipped). */
export function parseGrepH(text: string): { path: string; value: string }[] {
  const entries: { path: string; value: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^(\/[^:]+):(.*)$/.exec(line.trim());
    if (match !== null) entries.push({ path: match[1]!, value: match[2]!.trim() });
  }
  return entries;
}

export interface CpuFrequency {
  cpu: number;
  maxFreqKHz: number;
}

export function parseCpuFrequencies(text: string): CpuFrequency[] {
  const cpus: CpuFrequency[] = [];
  for (const { path, value } of parseGrepH(text)) {
    const match = /\/cpu(\d+)\/cpufreq\/cpuinfo_max_freq$/.exec(path);
    const frequency = Number(value);
    if (match !== null && Number.isFinite(frequency) && frequency > 0) cpus.push({ cpu: Number(match[1]), maxFreqKHz: frequency });
  }
  return cpus.sort((a, b) => a.cpu - b.cpu);
}

export interface CpuCluster {
  cpus: number[];
  maxFreqKHz: number;
}

/** Cores grouped by their maximum clock, slowest cluster first. */
export function cpuClusters(cpus: readonly CpuFrequency[]): CpuCluster[] {
  const byFrequency = new Map<number, number[]>();
  for (const { cpu, maxFreqKHz } of cpus) byFrequency.set(maxFreqKHz, [...(byFrequency.get(maxFreqKHz) ?? []), cpu]);
  return [...byFrequency.entries()].sort(([a], [b]) => a - b).map(([maxFreqKHz, members]) => ({ cpus: members, maxFreqKHz }));
}

/**
 * The cores benchmarks should run on, as a taskset hex mask: every core faster than the slowest
 * cluster (big + prime cores: f0 on a 4+2+2 or 4+3+1 phone), or all cores when they are all equal.
 */
export function bigCoreMask(cpus: readonly CpuFrequency[]): { mask: string; cpus: number[] } {
  const clusters = cpuClusters(cpus);
  const chosen = clusters.length <= 1 ? clusters.flatMap((cluster) => cluster.cpus) : clusters.slice(1).flatMap((cluster) => cluster.cpus);
  const mask = chosen.reduce((bits, cpu) => bits | (1n << BigInt(cpu)), 0n);
  return { mask: mask.toString(16), cpus: [...chosen].sort((a, b) => a - b) };
}

export interface ThermalZoneReading {
  zone: number;
  type: string;
  celsius: number;
}

/** Sensors report milli-degrees (most), deci-degrees or degrees; out-of-range values are dropped. */
export function toCelsius(raw: number): number | null {
  if (!Number.isFinite(raw)) return null;
  const celsius = Math.abs(raw) >= 1000 ? raw / 1000 : Math.abs(raw) >= 200 ? raw / 10 : raw;
  return celsius > -40 && celsius < 200 ? celsius : null;
}

export function parseThermalZones(text: string): ThermalZoneReading[] {
  const types = new Map<number, string>();
  const temps = new Map<number, number>();
  for (const { path, value } of parseGrepH(text)) {
    const match = /thermal_zone(\d+)\/(type|temp)$/.exec(path);
    if (match === null) continue;
    const zone = Number(match[1]);
    if (match[2] === 'type') types.set(zone, value);
    else {
      const celsius = toCelsius(Number(value));
      if (celsius !== null) temps.set(zone, celsius);
    }
  }
  return [...temps.entries()].sort(([a], [b]) => a - b).map(([zone, celsius]) => ({ zone, type: types.get(zone) ?? `thermal_zone${zone}`, celsius }));
}

const CPU_ZONE = /cpu|big|mid|little|tsens|soc|cluster|core|apc|mtktscpu/i;

/** The hottest CPU sensor (or the hottest sensor at all when none is named like a CPU one). */
export function cpuTemperatureC(zones: readonly ThermalZoneReading[]): number | null {
  const cpu = zones.filter((zone) => CPU_ZONE.test(zone.type) && !/battery|skin/i.test(zone.type));
  const pool = cpu.length > 0 ? cpu : zones.filter((zone) => !/battery/i.test(zone.type));
  return pool.length === 0 ? null : Math.max(...pool.map((zone) => zone.celsius));
}

export interface BatteryState {
  levelPercent: number | null;
  temperatureC: number | null;
  /** 1 unknown, 2 charging, 3 discharging, 4 not charging, 5 full. */
  status: number | null;
  plugged: boolean;
}

/** `dumpsys battery`: `  key: value` lines; temperature is in tenths of a degree. */
export function parseDumpsysBattery(text: string): BatteryState | null {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s+([A-Za-z ]+):\s*(.+)$/.exec(line);
    if (match !== null) values.set(match[1]!.trim().toLowerCase(), match[2]!.trim());
  }
  if (!values.has('level') && !values.has('temperature')) return null;
  const number = (key: string): number | null => {
    const value = Number(values.get(key));
    return values.has(key) && Number.isFinite(value) ? value : null;
  };
  const level = number('level');
  const scale = number('scale') ?? 100;
  const temperature = number('temperature');
  return {
    levelPercent: level === null ? null : Math.round((level / scale) * 100),
    temperatureC: temperature === null ? null : temperature / 10,
    status: number('status'),
    plugged: ['ac powered', 'usb powered', 'wireless powered'].some((key) => values.get(key) === 'true'),
  };
}
