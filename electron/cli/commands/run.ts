import { unavailableCommand } from '../unavailable';

export const runCommand = unavailableCommand({
  name: 'run',
  summary: 'runs a pipeline headless',
  usage: 'spvit run PIPELINE.json [--out DIR]',
});
