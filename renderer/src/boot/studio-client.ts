/** The typed client the components use, over whichever transport the boot code picked. */
import { createClient } from '../../../core/api/client';
import { contract } from '../../../core/api/contract';
import { devicesEvents, devicesMethods } from '../../../core/api/contracts/devices';

import type { Client } from '../../../core/api/client';
import type { ContractShape } from '../../../core/api/define';
import type { Transport } from '../../../core/api/transport';

/**
 * The backend's contract plus the devices domain, which the UI already asks for. A backend without
 * a device service answers `devices.list` with an error the Devices panel shows as such.
 */
export const studioContract = {
  methods: { ...devicesMethods, ...contract.methods },
  events: { ...devicesEvents, ...contract.events },
} as const satisfies ContractShape;

export type StudioContract = typeof studioContract;
export type StudioClient = Client<StudioContract>;

export function createStudioClient(transport: Transport): StudioClient {
  // Results are checked against the contract in development builds and tests.
  return createClient(studioContract, transport, { validate: import.meta.env.DEV });
}
