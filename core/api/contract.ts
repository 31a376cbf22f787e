/**
 * The whole backend surface, declared once. Each domain lives in contracts/<domain>.ts;
 * add a domain there and spread it here. Types everywhere are derived from these schemas.
 */
import { appEvents } from './contracts/app';
import { jobsEvents, jobsMethods } from './contracts/jobs';
import { systemEvents, systemMethods } from './contracts/system';

import type { ContractShape } from './define';

export const contract = {
  methods: {
    ...systemMethods,
    ...jobsMethods,
  },
  events: {
    ...systemEvents,
    ...jobsEvents,
    ...appEvents,
  },
} as const satisfies ContractShape;

export type Contract = typeof contract;
