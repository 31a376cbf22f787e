import { unavailableCommand } from '../unavailable';

export const simCommand = unavailableCommand({
  name: 'sim',
  summary: 'a simulated Android phone or ZCU102 board',
  usage: 'spvit sim phone [--port N] [--profile NAME] | spvit sim zcu102 [--link PATH] [--agent-port N]',
});
