import { unavailableCommand } from '../unavailable';

export const simZcu102Command = unavailableCommand({
  name: 'sim zcu102',
  summary: 'a simulated zcu102',
  usage: 'spvit sim zcu102',
});
