/**
 * The whole backend surface, declared once. Each domain lives in contracts/<domain>.ts;
 * add a domain there and spread it here. Types everywhere are derived from these schemas.
 */
import { appEvents } from './contracts/app';
import { deployEvents, deployMethods } from './contracts/deploy';
import { devicesEvents, devicesMethods } from './contracts/devices';
import { jobsEvents, jobsMethods } from './contracts/jobs';
import { latencyEvents, latencyMethods } from './contracts/latency';
import { lutsMethods } from './contracts/luts';
import { modelsMethods } from './contracts/models';
import { pipelineEvents, pipelineMethods } from './contracts/pipeline';
import { runsMethods } from './contracts/runs';
import { systemEvents, systemMethods } from './contracts/system';
import { trainingEvents, trainingMethods } from './contracts/training';

import type { ContractShape } from './define';

export const contract = {
  methods: {
    ...systemMethods,
    ...jobsMethods,
    ...devicesMethods,
    ...pipelineMethods,
    ...trainingMethods,
    ...latencyMethods,
    ...deployMethods,
    ...lutsMethods,
    ...runsMethods,
    ...modelsMethods,
  },
  events: {
    ...systemEvents,
    ...jobsEvents,
    ...appEvents,
    ...devicesEvents,
    ...pipelineEvents,
    ...trainingEvents,
    ...latencyEvents,
    ...deployEvents,
  },
} as const satisfies ContractShape;

export type Contract = typeof contract;
