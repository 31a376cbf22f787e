/**
 * adbd's `shell:` and `exec:` services without shell_v2: stdout and stderr share the stream, the
 * exit status is not sent, and the stream closes when the command ends. `shell:` with no command
 * is an interactive shell (a pty: echo, CRLF line ends, a prompt).
 */
import { SimShell } from './shell/shell';

import type { AdbDaemonSocket } from './adb/daemon-socket';
import type { OutputSink, SimPhoneServices } from './shell/command';

function socketSink(socket: AdbDaemonSocket, crlf = false): OutputSink {
  return {
    write: async (chunk) => {
      if (socket.closed) return;
      let bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      if (crlf) bytes = new TextEncoder().encode(new TextDecoder().decode(bytes).replace(/\r?\n/g, '\r\n'));
      // A write after the host closed the stream is dropped, like output of a killed process.
      await socket.write(bytes).catch(() => undefined);
    },
  };
}

export async function serveCommand(socket: AdbDaemonSocket, phone: SimPhoneServices, command: string): Promise<void> {
  const shell = new SimShell(phone);
  const sink = socketSink(socket);
  await shell.run(command, { stdout: sink, stderr: sink, signal: socket.signal });
}

export async function serveInteractiveShell(socket: AdbDaemonSocket, phone: SimPhoneServices): Promise<void> {
  const shell = new SimShell(phone);
  const sink = socketSink(socket, true);
  const device = phone.getprop('ro.product.device') ?? 'android';
  const prompt = (): Promise<void> => sink.write(`${device}:${shell.cwd} $ `);
  await prompt();
  let line = '';
  for (;;) {
    const chunk = await socket.read();
    if (chunk === null) return;
    const text = new TextDecoder().decode(chunk);
    for (const char of text) {
      if (char === '\r' || char === '\n') {
        await sink.write('\n');
        await shell.run(line, { stdout: sink, stderr: sink, signal: socket.signal });
        line = '';
        if (shell.exitRequested !== null) return;
        await prompt();
      } else if (char === '\x7f' || char === '\b') {
        if (line.length > 0) {
          line = line.slice(0, -1);
          await sink.write('\b \b');
        }
      } else if (char === '\x04') {
        return;
      } else {
        line += char;
        await sink.write(char);
      }
    }
  }
}
