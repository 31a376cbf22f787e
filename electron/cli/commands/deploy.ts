import { unavailableCommand } from '../unavailable';

export const deployCommand = unavailableCommand({
  name: 'deploy',
  summary: 'deploys the model of a run to a device',
  usage: 'spvit deploy --device ID --model DIR',
});
