/**
 * A low-end phone: Motorola Moto E5 Play (Snapdragon 425, 4 x Cortex-A53 @ 1.4 GHz, Android 8.0).
 * Old on purpose: adb protocol 0x01000000 (checksums on, 256 KiB payloads), no stat_v2/ls_v2, no
 * ro.soc.model (Android < 12), and an old benchmark_model output format.
 */
import type { SimPhoneProfile } from './profile';

export const MOTO_E5_PLAY: SimPhoneProfile = {
  id: 'moto-e5-play',
  description: 'Motorola Moto E5 Play (Snapdragon 425, Android 8.0), a low-end phone',
  properties: {
    'ro.product.manufacturer': 'motorola',
    'ro.product.brand': 'motorola',
    'ro.product.model': 'moto e5 play',
    'ro.product.name': 'james',
    'ro.product.device': 'james',
    'ro.product.board': 'msm8937',
    'ro.board.platform': 'msm8937',
    'ro.hardware': 'qcom',
    'ro.build.version.release': '8.0.0',
    'ro.build.version.sdk': '26',
    'ro.build.id': 'OCP27.91-23',
    'ro.build.fingerprint': 'motorola/james/james:8.0.0/OCP27.91-23/23:user/release-keys',
    'ro.product.cpu.abi': 'armeabi-v7a',
    'ro.product.cpu.abilist': 'armeabi-v7a,armeabi',
    'ro.serialno': 'ZY3224ABCD',
    'ro.adb.secure': '1',
    'ro.debuggable': '0',
    'sys.boot_completed': '1',
  },
  clusters: [
    { coreName: 'Cortex-A53', cores: 4, maxFreqKHz: 1401000, minFreqKHz: 960000, implementer: '0x41', part: '0xd03', fp32FlopsPerCycle: 8, gemmEfficiency: 0.45, gemmTileRows: 4, gemmTileColumns: 8, cacheBandwidthGBps: 3.5, activePowerW: 0.35 },
  ],
  memory: { dramBandwidthGBps: 3.2, lastLevelCacheKB: 512, totalMemoryKB: 1_882_612 },
  thermal: {
    ambientC: 25,
    idleC: 30,
    resistanceCPerW: 14,
    timeConstantS: 30,
    throttleStartC: 60,
    throttleSlopePerC: 0.03,
    minClockScale: 0.6,
    zones: [
      { type: 'tsens_tz_sensor0', couplingToCpu: 1 },
      { type: 'tsens_tz_sensor1', couplingToCpu: 0.95 },
      { type: 'pa_therm0', couplingToCpu: 0.5 },
      { type: 'battery', couplingToCpu: 0.3 },
    ],
  },
  battery: { levelPercent: 52, voltageMv: 3842, technology: 'Li-ion', status: 3, acPowered: false, usbPowered: false },
  gpu: { name: 'Adreno 308', fp32Gflops: 9, perInferenceOverheadUs: 2500 },
  runtime: { benchmarkVersion: 'old', perOpOverheadUs: 14, threadSyncUs: 6, noiseRelative: 0.04, outlierProbability: 0.05, initMsPerMB: 12, initBaseMs: 30 },
  adb: { protocolVersion: 0x01000000, maxPayloadBytes: 256 * 1024, features: [] },
};
