import { unavailableCommand } from '../unavailable';

export const benchCommand = unavailableCommand({
  name: 'bench',
  summary: 'the performance benchmarks, as a table',
  usage: 'spvit bench [--json]',
});
