/** `spvit devices`: phones on the adb server and ZCU102 boards on the given serial consoles. */
import { StudioError } from '../../../core/shared/errors';
import { AdbServerHub } from '../../../devices/android/node-adb-server';
import { listAllDevices } from '../../backend/handlers/devices';
import { booleanFlag, listFlag } from '../arguments';

import type { DeviceSummary } from '../../../core/api/contracts/devices';
import type { CliCommand } from '../command';

function detailText(device: DeviceSummary): string {
  const details = device.details;
  const parts: string[] = [];
  const add = (label: string, value: unknown, unit = ''): void => {
    if (value !== null && value !== undefined && value !== '') parts.push(`${label} ${String(value)}${unit}`);
  };
  if (device.kind === 'android') {
    add('soc', details.soc);
    add('android', details.androidVersion);
    add('abi', details.abi);
    add('big cores', details.bigCoreMask);
    add('cpu', typeof details.cpuTemperatureC === 'number' ? details.cpuTemperatureC.toFixed(1) : null, ' C');
    add('battery', details.batteryPercent, '%');
    if (typeof details.hint === 'string') parts.push(details.hint);
  } else {
    add('ip', details.ip);
    add('console', details.consoleState);
  }
  const error = details.error as { code?: string; message?: string } | undefined;
  if (error?.message !== undefined) parts.push(`(${error.code ?? 'error'}: ${error.message})`);
  if (device.simulated) parts.push('[simulated]');
  return parts.join(', ');
}

function table(devices: DeviceSummary[]): string {
  const rows = devices.map((device) => [device.id, device.kind, device.state, device.model ?? '-', detailText(device)]);
  const header = ['ID', 'KIND', 'STATE', 'MODEL', 'DETAILS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export const devicesCommand: CliCommand = {
  name: 'devices',
  summary: 'phones (adb server) and boards (serial consoles)',
  usage: 'spvit devices [--json] [--serial PATH ...]',
  options: {
    json: { type: 'boolean' },
    serial: { type: 'string', multiple: true },
  },
  async run(args, io) {
    const hub = new AdbServerHub();
    const listing = await listAllDevices({ hub, serialPaths: listFlag(args, 'serial'), signal: io.signal });
    if (booleanFlag(args, 'json')) io.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
    else if (listing.devices.length > 0) io.stdout.write(table(listing.devices));
    const json = booleanFlag(args, 'json');
    const [firstProblem] = listing.problems;
    // Nothing found and a source failed: that failure is the answer (exit status 1).
    if (listing.devices.length === 0 && firstProblem !== undefined && !json) {
      throw new StudioError(firstProblem.code === 'env/missing-tool' ? 'env/missing-tool' : 'device/not-found', firstProblem.message, firstProblem.hint === undefined ? {} : { hint: firstProblem.hint });
    }
    for (const problem of listing.problems) {
      io.stderr.write(`warning [${problem.code}]: ${problem.message}\n${problem.hint === undefined ? '' : `hint: ${problem.hint}\n`}`);
    }
    if (listing.devices.length === 0 && !json) io.stdout.write('no devices (the adb server lists no phones; pass --serial PATH for boards)\n');
    return 0;
  },
};
