import { unavailableCommand } from '../unavailable';

export const profileCommand = unavailableCommand({
  name: 'profile',
  summary: 'builds a latency table on a device',
  usage: 'spvit profile --device ID --arch ARCH --out LUT.json [--tokens LIST]',
});
