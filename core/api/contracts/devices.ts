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

export const devicesMethods = {
  'devices.list': method({
    description: 'Phones on the adb server and boards on the given serial consoles.',
    params: z.object({ serialPaths: z.array(z.string()).default([]) }),
    result: z.object({ devices: z.array(DeviceSummarySchema) }),
  }),
} as const;

export const devicesEvents = {
  'devices.changed': z.object({ devices: z.array(DeviceSummarySchema) }),
} as const;
