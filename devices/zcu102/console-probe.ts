/**
 * Looks at a console without changing anything on the board: waits briefly for output, presses
 * Enter only if the console has said nothing recognisable, and reports where the board is.
 */
import type { ConsoleState } from './protocol/console-machine';
import type { ConsoleSession } from './console-session';
import type { Deadline } from './deadline';

export type ProbedConsoleState = 'silent' | 'u-boot' | 'booting' | 'login' | 'password-change' | 'shell';

const STATE_NAMES: Record<ConsoleState, ProbedConsoleState> = {
  unknown: 'silent',
  uboot: 'u-boot',
  'uboot-prompt': 'u-boot',
  'kernel-boot': 'booting',
  login: 'login',
  password: 'login',
  'current-password': 'password-change',
  'new-password': 'password-change',
  'retype-password': 'password-change',
  shell: 'shell',
};

export async function probeConsole(session: ConsoleSession, options: { idleMs: number; deadline: Deadline }): Promise<ProbedConsoleState> {
  let cursor = session.seq;
  let poked = false;
  try {
    for (;;) {
      if (session.state !== 'unknown' && session.state !== 'kernel-boot') break;
      const outcome = await session.waitNext({ after: cursor, idleMs: options.idleMs, deadline: options.deadline });
      if (outcome.kind === 'event') {
        cursor = outcome.seq;
        continue;
      }
      // Quiet. A booting board is left alone; an unknown one gets one Enter, which redraws its prompt.
      if (session.state === 'kernel-boot' || poked) break;
      poked = true;
      await session.write('\r');
    }
  } catch (error) {
    // Out of time: report what was seen so far, unless the caller cancelled.
    if (options.deadline.signal.aborted && (options.deadline.signal.reason as { code?: string }).code === 'cancelled') throw error;
  }
  return STATE_NAMES[session.state];
}
