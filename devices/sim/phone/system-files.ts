/** Populates a fresh simulated phone's filesystem: writable dirs, /proc and /sys from the profile and live state. */
import { clusterOfCpu, coreCount } from './profiles/profile';

import type { SimFilesystem } from './filesystem';
import type { SimPhoneState } from './phone-state';
import type { SimPhoneProfile } from './profiles/profile';

function cpuinfo(profile: SimPhoneProfile): string {
  const blocks: string[] = [];
  const is64 = (profile.properties['ro.product.cpu.abi'] ?? '').startsWith('arm64');
  for (let cpu = 0; cpu < coreCount(profile); cpu += 1) {
    const cluster = clusterOfCpu(profile, cpu);
    blocks.push(
      [
        `processor\t: ${cpu}`,
        'BogoMIPS\t: 52.00',
        `Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32${is64 ? ' atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp' : ''}`,
        `CPU implementer\t: ${cluster.implementer}`,
        'CPU architecture: 8',
        'CPU variant\t: 0x1',
        `CPU part\t: ${cluster.part}`,
        'CPU revision\t: 0',
      ].join('\n'),
    );
  }
  const hardware = (profile.properties['ro.hardware'] ?? profile.properties['ro.board.platform'] ?? 'unknown').toUpperCase();
  return `${blocks.join('\n\n')}\n\nHardware\t: ${hardware}\n`;
}

function meminfo(profile: SimPhoneProfile): string {
  const total = profile.memory.totalMemoryKB;
  const lines = [
    ['MemTotal', total],
    ['MemFree', Math.round(total * 0.08)],
    ['MemAvailable', Math.round(total * 0.42)],
    ['Buffers', Math.round(total * 0.004)],
    ['Cached', Math.round(total * 0.3)],
  ] as const;
  return lines.map(([key, value]) => `${`${key}:`.padEnd(16)}${String(value).padStart(8)} kB`).join('\n') + '\n';
}

export function installSystemFiles(fs: SimFilesystem, profile: SimPhoneProfile, state: SimPhoneState): void {
  for (const dir of ['/data/local/tmp', '/sdcard', '/storage/emulated/0', '/system/bin', '/vendor/lib64', '/dev']) fs.installDirectory(dir);
  fs.installDirectory('/data/local/tmp', 0o771);
  fs.installDirectory('/sdcard', 0o770);
  fs.installFile('/system/bin/sh', '\0ELF mksh', 0o755);
  fs.installFile('/system/build.prop', Object.entries(profile.properties).map(([key, value]) => `${key}=${value}`).join('\n') + '\n', 0o600);
  fs.installFile('/proc/cpuinfo', cpuinfo(profile));
  fs.installFile('/proc/meminfo', meminfo(profile));
  fs.installFile('/proc/version', 'Linux version 4.19.113-perf (build@android) (clang version 12.0.5) #1 SMP PREEMPT\n');
  const cores = coreCount(profile);
  fs.installFile('/sys/devices/system/cpu/online', `0-${cores - 1}\n`);
  fs.installFile('/sys/devices/system/cpu/possible', `0-${cores - 1}\n`);
  for (let cpu = 0; cpu < cores; cpu += 1) {
    const cluster = clusterOfCpu(profile, cpu);
    const base = `/sys/devices/system/cpu/cpu${cpu}/cpufreq`;
    fs.installFile(`${base}/cpuinfo_max_freq`, `${cluster.maxFreqKHz}\n`);
    fs.installFile(`${base}/cpuinfo_min_freq`, `${cluster.minFreqKHz}\n`);
    fs.installFile(`${base}/scaling_max_freq`, () => `${Math.round(cluster.maxFreqKHz * state.clockScale())}\n`);
    fs.installFile(`${base}/scaling_cur_freq`, () => `${Math.round(cluster.maxFreqKHz * state.clockScale())}\n`);
    fs.installFile(`${base}/scaling_governor`, 'schedutil\n');
  }
  profile.thermal.zones.forEach((zone, index) => {
    const base = `/sys/class/thermal/thermal_zone${index}`;
    fs.installFile(`${base}/type`, `${zone.type}\n`);
    fs.installFile(`${base}/temp`, () => `${state.zoneTemperaturesMilliC()[index]!}\n`);
  });
}
