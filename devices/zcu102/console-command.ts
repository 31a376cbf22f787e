/**
 * Runs a shell command on the board's console and reads its output between two marker lines. The
 * markers are quoted apart in what we type (`"@@SPVIT""-END"`), so the console's echo of the
 * command line never looks like a marker, even when the terminal wraps or redraws it.
 */
import { randomBytes } from 'node:crypto';

import type { ConsoleSession } from './console-session';
import type { Deadline } from './deadline';

export interface CommandResult {
  /** Output lines, cleaned of escapes, without the markers. */
  lines: string[];
  exitCode: number;
}

export interface CommandOptions {
  /** Run it in the background (`cmd &`); exitCode is then that of starting it. */
  background?: boolean;
  idleMs: number;
}

export async function runConsoleCommand(session: ConsoleSession, command: string, options: CommandOptions, deadline: Deadline): Promise<CommandResult> {
  const nonce = randomBytes(6).toString('hex');
  const begin = `@@SPVIT-BEGIN ${nonce}`;
  const end = new RegExp(`@@SPVIT-END ${nonce} (\\d+)$`);
  const separator = options.background === true ? ' &' : ';';
  let cursor = session.seq;
  await session.write(`echo "@@SPVIT""-BEGIN ${nonce}"; ${command}${separator} echo "@@SPVIT""-END ${nonce} $?"\r`);
  let started = false;
  const lines: string[] = [];
  for (;;) {
    const outcome = await session.waitNext({ after: cursor, idleMs: options.idleMs, deadline });
    if (outcome.kind === 'idle') continue;
    cursor = outcome.seq;
    const { event } = outcome;
    if (event.kind !== 'line') continue;
    if (!started) {
      started = event.text.endsWith(begin);
      continue;
    }
    const match = end.exec(event.text);
    if (match === null) {
      lines.push(event.text);
      continue;
    }
    const tail = event.text.slice(0, match.index);
    if (tail !== '') lines.push(tail);
    return { lines, exitCode: Number(match[1]) };
  }
}
