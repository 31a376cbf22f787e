import { unavailableCommand } from '../unavailable';

export const devicesCommand = unavailableCommand({
  name: 'devices',
  summary: 'phones (adb server) and boards (serial consoles)',
  usage: 'spvit devices [--json] [--serial PATH ...]',
});
