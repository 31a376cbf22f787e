/** `spvit serve`: the studio in a browser. Runs until Ctrl+C, then closes cleanly. */
import { createBackend } from '../../backend/create-backend';
import { isLoopbackHost } from '../../server/socket-security';
import { startStudioServer } from '../../server';
import { integerFlag, listFlag, stringFlag } from '../arguments';

import type { CliCommand } from '../command';

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'the studio in a browser; prints the URL',
  usage: 'spvit serve [--port N] [--host H] [--data-dir DIR] [--allow-origin URL ...]',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
  },
  async run(args, io) {
    const port = integerFlag(args, 'port', { min: 0, max: 65_535 }) ?? 0;
    const host = stringFlag(args, 'host') ?? '127.0.0.1';
    const dataDir = stringFlag(args, 'data-dir');
    const studio = createBackend(dataDir === undefined ? { host: 'web' } : { host: 'web', dataDir });
    let server;
    try {
      server = await startStudioServer({ dispatcher: studio.backend, host, port, extraOrigins: listFlag(args, 'allow-origin') });
    } catch (error) {
      await studio.dispose();
      throw error;
    }
    if (!isLoopbackHost(host)) {
      io.stderr.write(`warning: listening on ${host}, so other machines can reach the studio; only the token in the URL keeps them out.\n`);
    }
    io.stdout.write(`studio: ${server.url}\n`);
    io.stderr.write('Press Ctrl+C to stop.\n');
    await untilAborted(io.signal);
    io.stderr.write('stopping\n');
    await server.close();
    await studio.dispose();
    return 0;
  },
};
