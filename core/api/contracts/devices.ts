/** Phones and boards the studio can see. Device issues fill the handlers and add methods. */
import { z } from 'zod';

import { method } from '../define';

export const DeviceKindSchema = z.enum(['android', 'zcu102']);

export const DeviceSummarySchema = z.object({
  /** adb serial for phones (e.g. 127.0.0.1:5555), `zcu102@<serial path>` for boards. */
  id: z.string(),
  kind: DeviceKindSchema,
  /** adb states (device, unauthorized, offline, ...) or board states (console, ready, ...). */
  state: z.string(),
  model: z.string().nullable(),
  simulated: z.boolean(),
  /** Anything else the device kind knows: soc, abi, ip, accelerator, temperatures. */
  details: z.record(z.string(), z.unknown()),
});
export type DeviceSummary = z.infer<typeof DeviceSummarySchema>;

/** A source of devices that could not be asked (no adb server, ...); the rest of the list still comes. */
export const DeviceSourceProblemSchema = z.object({
  source: z.enum(['adb', 'serial']),
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
});
export type DeviceSourceProblem = z.infer<typeof DeviceSourceProblemSchema>;

export const DeviceListSchema = z.object({
  devices: z.array(DeviceSummarySchema),
  problems: z.array(DeviceSourceProblemSchema).default([]),
});

const CpuClusterSchema = z.object({ cpus: z.array(z.number().int()), maxFreqKHz: z.number() });

/** Identity and health of one Android phone, as recorded with every measurement. */
export const PhoneInfoSchema = z.object({
  identity: z.object({
    serial: z.string(),
    manufacturer: z.string().nullable(),
    model: z.string().nullable(),
    soc: z.string().nullable(),
    socManufacturer: z.string().nullable(),
    boardPlatform: z.string().nullable(),
    androidVersion: z.string().nullable(),
    sdk: z.number().int().nullable(),
    abi: z.string().nullable(),
    fingerprint: z.string().nullable(),
    simulator: z.string().nullable(),
  }),
  health: z.object({
    clusters: z.array(CpuClusterSchema),
    /** taskset mask of the big cores, hex without 0x (e.g. 'f0'). */
    bigCoreMask: z.string(),
    bigCores: z.array(z.number().int()),
    thermalZones: z.array(z.object({ zone: z.number().int(), type: z.string(), celsius: z.number() })),
    cpuTemperatureC: z.number().nullable(),
    battery: z
      .object({ levelPercent: z.number().nullable(), temperatureC: z.number().nullable(), status: z.number().nullable(), plugged: z.boolean() })
      .nullable(),
  }),
  readAt: z.string(),
});
export type PhoneInfo = z.infer<typeof PhoneInfoSchema>;

export const devicesMethods = {
  'devices.list': method({
    description: 'Phones on the adb server and boards on the given serial consoles.',
    params: z.object({ serialPaths: z.array(z.string()).default([]) }),
    result: DeviceListSchema,
  }),
  'devices.connect': method({
    description: '`adb connect HOST:PORT` on the adb server (network phones, device farms, the simulated phone), then the phone list.',
    params: z.object({ address: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'HOST:PORT') }),
    result: DeviceListSchema,
  }),
  'devices.serialPorts': method({
    description: 'Serial ports on this machine (USB UARTs, with their /dev/serial/by-id names), to pick a board console from.',
    params: z.object({}),
    result: z.object({
      ports: z.array(z.object({ path: z.string(), stablePath: z.string(), manufacturer: z.string().nullable(), serialNumber: z.string().nullable() })),
    }),
  }),
  'devices.phoneInfo': method({
    description: 'Identity (model, SoC, Android, ABI) and health (clusters, big-core mask, temperatures, battery) of one phone.',
    params: z.object({ serial: z.string().min(1) }),
    result: PhoneInfoSchema,
  }),
} as const;

export const devicesEvents = {
  'devices.changed': z.object({ devices: z.array(DeviceSummarySchema) }),
} as const;
