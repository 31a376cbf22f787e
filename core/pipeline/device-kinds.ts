/**
 * Device kinds a device node may name. Android phones and ZCU102 boards are built in; device code
 * registers further kinds (with the schema of their node config) before pipelines are validated.
 */
import { z } from 'zod';

import { StudioError } from '../shared/errors';

export interface DeviceKindSpec {
  kind: string;
  description: string;
  /** The node config besides `deviceKind`. */
  configSchema: z.ZodType;
}

export const AndroidDeviceConfigSchema = z.strictObject({
  /** adb serial (e.g. 127.0.0.1:5555); absent: the only phone attached. */
  serial: z.string().min(1).optional(),
  /** Start the built-in simulated phone instead of using a real one. */
  simulated: z.boolean().default(false),
  /** Simulator profile, e.g. galaxy-s20. */
  profile: z.string().min(1).optional(),
  threads: z.number().int().min(1).max(16).default(4),
  delegate: z.enum(['cpu', 'xnnpack', 'gpu', 'nnapi']).default('xnnpack'),
  /** Pin benchmark runs to the big cores (taskset). */
  bigCoresOnly: z.boolean().default(true),
  /** Host path of TFLite's benchmark_model binary, pushed to the phone. */
  benchmarkBinary: z.string().min(1).optional(),
});

export const Zcu102DeviceConfigSchema = z.strictObject({
  /** Serial console, preferably /dev/serial/by-id/...; absent with simulated: true. */
  serialPath: z.string().min(1).optional(),
  simulated: z.boolean().default(false),
  /** TCP port of the board agent. */
  agentPort: z.number().int().min(1).max(65535).default(7878),
});

export interface DeviceKindRegistry {
  /** Adds a kind; re-registering one needs `replace` (so two modules cannot clash silently). */
  register(spec: DeviceKindSpec, options?: { replace?: boolean }): void;
  find(kind: string): DeviceKindSpec | undefined;
  kinds(): string[];
}

export const BUILT_IN_DEVICE_KINDS: readonly DeviceKindSpec[] = [
  { kind: 'android', description: 'Android phone over adb (TFLite benchmark_model)', configSchema: AndroidDeviceConfigSchema },
  { kind: 'zcu102', description: 'Xilinx ZCU102 board (serial console + board agent)', configSchema: Zcu102DeviceConfigSchema },
];

/** A registry holding the built-in kinds; the backend makes one and device code adds to it. */
export function createDeviceKindRegistry(): DeviceKindRegistry {
  const specs = new Map<string, DeviceKindSpec>(BUILT_IN_DEVICE_KINDS.map((spec) => [spec.kind, spec]));
  return {
    register(spec, options = {}) {
      if (specs.has(spec.kind) && options.replace !== true) {
        throw new StudioError('internal/bug', `Device kind '${spec.kind}' is already registered`);
      }
      specs.set(spec.kind, spec);
    },
    find: (kind) => specs.get(kind),
    kinds: () => [...specs.keys()].sort(),
  };
}
