import { describe, expect, it } from 'vitest';

import { bigCoreMask, cpuTemperatureC, parseCpuFrequencies, parseDumpsysBattery, parseGetprop, parseThermalZones, toCelsius } from './device-info-parse';

function frequencies(...clusters: [count: number, khz: number][]): string {
  let cpu = 0;
  return clusters.flatMap(([count, khz]) => Array.from({ length: count }, () => `/sys/devices/system/cpu/cpu${cpu++}/cpufreq/cpuinfo_max_freq:${khz}`)).join('\n');
}

describe('bigCoreMask', () => {
  it('picks the mid and big clusters of a 4+2+2 phone (f0)', () => {
    expect(bigCoreMask(parseCpuFrequencies(frequencies([4, 2002000], [2, 2504000], [2, 2730000])))).toEqual({ mask: 'f0', cpus: [4, 5, 6, 7] });
  });

  it('picks the big and prime cores of a 4+3+1 phone (f0) and the 2 big cores of a 6+2 phone (c0)', () => {
    expect(bigCoreMask(parseCpuFrequencies(frequencies([4, 1804800], [3, 2419200], [1, 2841600]))).mask).toBe('f0');
    expect(bigCoreMask(parseCpuFrequencies(frequencies([6, 1804800], [2, 2208000]))).mask).toBe('c0');
  });

  it('uses every core when all run at the same clock (f)', () => {
    expect(bigCoreMask(parseCpuFrequencies(frequencies([4, 1401000])))).toEqual({ mask: 'f', cpus: [0, 1, 2, 3] });
  });

  it('orders cpus numerically, not as text (cpu10 after cpu9)', () => {
    const text = frequencies([8, 1800000], [2, 2400000]);
    expect(bigCoreMask(parseCpuFrequencies(text.split('\n').reverse().join('\n'))).mask).toBe('300');
  });
});

describe('parseGetprop', () => {
  it('reads [key]: [value] lines, values with spaces and CRLF included', () => {
    const props = parseGetprop('[ro.product.model]: [moto e5 play]\r\n[ro.build.version.release]: [8.0.0]\n[empty]: []\n');
    expect(props.get('ro.product.model')).toBe('moto e5 play');
    expect(props.get('empty')).toBe('');
  });
});

describe('thermal zones', () => {
  const text = [
    '/sys/class/thermal/thermal_zone0/type:BIG',
    '/sys/class/thermal/thermal_zone1/type:battery',
    '/sys/class/thermal/thermal_zone2/type:cpu-1-0-usr',
    '/sys/class/thermal/thermal_zone0/temp:45200',
    '/sys/class/thermal/thermal_zone1/temp:312',
    '/sys/class/thermal/thermal_zone2/temp:47',
    'grep: /sys/class/thermal/thermal_zone9/temp: Permission denied',
  ].join('\n');

  it('reads milli-, deci- and whole degrees and skips unreadable sensors', () => {
    expect(parseThermalZones(text)).toEqual([
      { zone: 0, type: 'BIG', celsius: 45.2 },
      { zone: 1, type: 'battery', celsius: 31.2 },
      { zone: 2, type: 'cpu-1-0-usr', celsius: 47 },
    ]);
    expect(toCelsius(-273150)).toBeNull();
  });

  it('takes the hottest CPU sensor as the CPU temperature, never the battery', () => {
    expect(cpuTemperatureC(parseThermalZones(text))).toBe(47);
    expect(cpuTemperatureC([{ zone: 0, type: 'battery', celsius: 50 }])).toBeNull();
  });
});

describe('parseDumpsysBattery', () => {
  it('reads level, temperature (tenths of a degree), status and power source', () => {
    const text = 'Current Battery Service state:\n  AC powered: false\n  USB powered: true\n  status: 2\n  level: 84\n  scale: 100\n  temperature: 312\n';
    expect(parseDumpsysBattery(text)).toEqual({ levelPercent: 84, temperatureC: 31.2, status: 2, plugged: true });
  });

  it('returns null for output that is not a battery state', () => {
    expect(parseDumpsysBattery("Can't find service: battery\n")).toBeNull();
  });
});
