import { unavailableCommand } from '../unavailable';

export const simPhoneCommand = unavailableCommand({
  name: 'sim phone',
  summary: 'a simulated phone',
  usage: 'spvit sim phone',
});
