/** Android system tools: getprop, taskset, dumpsys (battery). */
import { commandError } from '../command';

import type { CommandContext, SimCommand } from '../command';

const getprop: SimCommand = async (context) => {
  const [, name, fallback] = context.argv;
  if (name === undefined) {
    for (const [key, value] of context.phone.properties()) await context.stdout.write(`[${key}]: [${value}]\n`);
    return 0;
  }
  await context.stdout.write(`${context.phone.getprop(name) ?? fallback ?? ''}\n`);
  return 0;
};

/** `taskset MASK COMMAND...`: runs COMMAND on the CPUs of the hex MASK (toybox syntax). */
const taskset: SimCommand = async (context) => {
  const [, rawMask, ...command] = context.argv;
  if (rawMask === undefined || command.length === 0) {
    await context.stderr.write('usage: taskset [-ap] [mask] [PID | cmd [args...]]\n');
    return 1;
  }
  if (!/^(0x)?[0-9a-fA-F]+$/.test(rawMask)) {
    await commandError(context, `bad mask '${rawMask}'`);
    return 1;
  }
  const mask = BigInt(`0x${rawMask.replace(/^0x/, '')}`);
  const cores = context.phone.profile.clusters.reduce((sum, cluster) => sum + cluster.cores, 0);
  const online = (1n << BigInt(cores)) - 1n;
  if ((mask & online) === 0n) {
    await commandError(context, 'sched_setaffinity: Invalid argument');
    return 1;
  }
  const nested: CommandContext = { ...context, argv: command, cpuMask: mask & online };
  return context.runArgv(command, nested);
};

function dumpsysBattery(context: CommandContext): string {
  const { battery, thermal } = context.phone.profile;
  const zones = context.phone.state.zoneTemperaturesMilliC();
  const index = thermal.zones.findIndex((zone) => zone.type.toLowerCase() === 'battery');
  const batteryMilliC = index >= 0 ? zones[index]! : thermal.ambientC * 1000;
  return [
    'Current Battery Service state:',
    `  AC powered: ${battery.acPowered}`,
    `  USB powered: ${battery.usbPowered}`,
    '  Wireless powered: false',
    '  Max charging current: 500000',
    '  Max charging voltage: 5000000',
    `  Charge counter: ${battery.levelPercent * 38000}`,
    `  status: ${battery.status}`,
    '  health: 2',
    '  present: true',
    `  level: ${battery.levelPercent}`,
    '  scale: 100',
    `  voltage: ${battery.voltageMv}`,
    `  temperature: ${Math.round(batteryMilliC / 100)}`,
    `  technology: ${battery.technology}`,
    '',
  ].join('\n');
}

const dumpsys: SimCommand = async (context) => {
  const service = context.argv[1];
  if (service === 'battery') {
    await context.stdout.write(dumpsysBattery(context));
    return 0;
  }
  await context.stderr.write(`Can't find service: ${service ?? ''}\n`);
  return 0;
};

export const SYSTEM_COMMANDS: Record<string, SimCommand> = { getprop, taskset, dumpsys };
