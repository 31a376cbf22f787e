import { unavailableCommand } from '../unavailable';

export const serveCommand = unavailableCommand({
  name: 'serve',
  summary: 'the studio in a browser; prints the URL',
  usage: 'spvit serve [--port N] [--host H]',
});
