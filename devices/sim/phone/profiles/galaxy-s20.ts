/**
 * Samsung Galaxy S20 (SM-G980F, Exynos 990): 4 x Cortex-A55 @ 2.0 GHz, 2 x Cortex-A76 @ 2.5 GHz,
 * 2 x Mongoose M5 @ 2.73 GHz. `taskset f0` puts the benchmark on the A76 + M5 cores.
 * Calibrated so that dense DeiT-Tiny (fp32, 4 threads, CPU) runs in 40-60 ms, as on the real phone.
 */
import type { SimPhoneProfile } from './profile';

export const GALAXY_S20: SimPhoneProfile = {
  id: 'galaxy-s20',
  description: 'Samsung Galaxy S20 (Exynos 990, Android 13)',
  properties: {
    'ro.product.manufacturer': 'samsung',
    'ro.product.brand': 'samsung',
    'ro.product.model': 'SM-G980F',
    'ro.product.name': 'x1seea',
    'ro.product.device': 'x1s',
    'ro.product.board': 'exynos990',
    'ro.board.platform': 'universal990',
    'ro.hardware': 'exynos990',
    'ro.soc.manufacturer': 'Samsung',
    'ro.soc.model': 'S5E9830',
    'ro.build.version.release': '13',
    'ro.build.version.sdk': '33',
    'ro.build.id': 'TP1A.220624.014',
    'ro.build.fingerprint': 'samsung/x1seea/x1s:13/TP1A.220624.014/G980FXXSIHWB1:user/release-keys',
    'ro.product.cpu.abi': 'arm64-v8a',
    'ro.product.cpu.abilist': 'arm64-v8a,armeabi-v7a,armeabi',
    'ro.serialno': 'R58N21ABCDE',
    'ro.adb.secure': '1',
    'ro.debuggable': '0',
    'sys.boot_completed': '1',
  },
  clusters: [
    { coreName: 'Cortex-A55', cores: 4, maxFreqKHz: 2002000, minFreqKHz: 442000, implementer: '0x41', part: '0xd05', fp32FlopsPerCycle: 8, gemmEfficiency: 0.5, gemmTileRows: 6, gemmTileColumns: 8, cacheBandwidthGBps: 8, activePowerW: 0.35 },
    { coreName: 'Cortex-A76', cores: 2, maxFreqKHz: 2504000, minFreqKHz: 507000, implementer: '0x41', part: '0xd0b', fp32FlopsPerCycle: 16, gemmEfficiency: 0.56, gemmTileRows: 6, gemmTileColumns: 8, cacheBandwidthGBps: 20, activePowerW: 1.6 },
    { coreName: 'Mongoose M5', cores: 2, maxFreqKHz: 2730000, minFreqKHz: 507000, implementer: '0x53', part: '0x004', fp32FlopsPerCycle: 16, gemmEfficiency: 0.5, gemmTileRows: 6, gemmTileColumns: 8, cacheBandwidthGBps: 22, activePowerW: 2.6 },
  ],
  memory: { dramBandwidthGBps: 18, lastLevelCacheKB: 3072, totalMemoryKB: 11_324_072 },
  thermal: {
    ambientC: 25,
    idleC: 33,
    resistanceCPerW: 6,
    timeConstantS: 40,
    throttleStartC: 68,
    throttleSlopePerC: 0.025,
    minClockScale: 0.55,
    zones: [
      { type: 'BIG', couplingToCpu: 1 },
      { type: 'MID', couplingToCpu: 0.92 },
      { type: 'LITTLE', couplingToCpu: 0.8 },
      { type: 'G3D', couplingToCpu: 0.7 },
      { type: 'ISP', couplingToCpu: 0.6 },
      { type: 'battery', couplingToCpu: 0.35 },
    ],
  },
  battery: { levelPercent: 84, voltageMv: 4132, technology: 'Li-ion', status: 2, acPowered: false, usbPowered: true },
  gpu: { name: 'Mali-G77 MP11', fp32Gflops: 110, perInferenceOverheadUs: 1800 },
  runtime: { benchmarkVersion: 'info-prefixed', perOpOverheadUs: 6, threadSyncUs: 2.5, noiseRelative: 0.025, outlierProbability: 0.02, initMsPerMB: 3.5, initBaseMs: 12 },
  adb: { protocolVersion: 0x01000001, maxPayloadBytes: 1024 * 1024, features: ['stat_v2', 'ls_v2', 'fixed_push_mkdir', 'apex', 'fixed_push_symlink_timestamp'] },
};
