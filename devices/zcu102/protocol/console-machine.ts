/**
 * The console state machine: fed raw bytes from a board's serial console, it tracks where the board
 * is (U-Boot, kernel boot, login, password change, shell) and reports lines, notices and prompts.
 * Pure: no timers and no I/O. The console agent decides what to type.
 */
import { ConsoleText } from './console-text';
import { matchNotices, matchPrompt } from './console-patterns';

import type { ConsoleNotice, ConsolePrompt } from './console-patterns';

export type ConsoleState =
  | 'unknown'
  | 'uboot'
  | 'uboot-prompt'
  | 'kernel-boot'
  | 'login'
  | 'password'
  | 'current-password'
  | 'new-password'
  | 'retype-password'
  | 'shell';

export type ConsoleEvent =
  | { kind: 'line'; text: string }
  | { kind: 'notice'; notice: ConsoleNotice; text: string }
  | { kind: 'prompt'; prompt: ConsolePrompt; text: string }
  | { kind: 'state'; from: ConsoleState; to: ConsoleState };

const PROMPT_STATE: Record<ConsolePrompt, ConsoleState> = {
  uboot: 'uboot-prompt',
  login: 'login',
  password: 'password',
  'current-password': 'current-password',
  'new-password': 'new-password',
  'retype-password': 'retype-password',
  shell: 'shell',
};

const BOOTING_STATES: readonly ConsoleState[] = ['unknown', 'uboot', 'uboot-prompt'];

export class ConsoleMachine {
  private readonly text = new ConsoleText();
  private current: ConsoleState = 'unknown';
  private expired = false;
  private lineIndex = 0;
  private firedPromptKey = '';
  private firedPendingNoticeKey = '';
  private promptText = '';

  get state(): ConsoleState {
    return this.current;
  }

  /** True after "You are required to change your password immediately" until a shell or reboot. */
  get passwordExpired(): boolean {
    return this.expired;
  }

  /** The text of the last prompt seen (e.g. `root@xilinx-zcu102-2022_2:~# `). */
  get lastPrompt(): string {
    return this.promptText;
  }

  /** What the terminal shows on the line not yet ended. */
  get pendingLine(): string {
    return this.text.pending;
  }

  feed(bytes: Uint8Array): ConsoleEvent[] {
    const events: ConsoleEvent[] = [];
    for (const item of this.text.feedItems(bytes)) {
      if (item.kind === 'prompt-check') {
        this.checkPrompt(item.beforeCursor, item.rewrites, events);
        continue;
      }
      events.push({ kind: 'line', text: item.text });
      // A notice already taken from this line while it was pending is not repeated.
      const noticeKey = this.firedPendingNoticeKey;
      this.lineIndex += 1;
      this.firedPendingNoticeKey = '';
      for (const notice of matchNotices(item.text)) {
        if (noticeKey === `${this.lineIndex - 1}:${notice}`) continue;
        this.applyNotice(notice, item.text, events);
      }
    }
    this.checkPendingNotices(events);
    return events;
  }

  private checkPendingNotices(events: ConsoleEvent[]): void {
    const pending = this.text.pending;
    for (const notice of matchNotices(pending)) {
      // Only the autoboot countdown is printed without a newline while it runs.
      if (notice !== 'autoboot-countdown') continue;
      const key = `${this.lineIndex}:${notice}`;
      if (key === this.firedPendingNoticeKey) continue;
      this.firedPendingNoticeKey = key;
      this.applyNotice(notice, pending, events);
    }
  }

  private checkPrompt(beforeCursor: string, rewrites: number, events: ConsoleEvent[]): void {
    const prompt = matchPrompt(beforeCursor);
    if (prompt === null) return;
    const key = `${this.lineIndex}:${rewrites}:${prompt}`;
    if (key === this.firedPromptKey) return;
    this.firedPromptKey = key;
    this.promptText = beforeCursor;
    if (prompt === 'shell') this.expired = false;
    events.push({ kind: 'prompt', prompt, text: beforeCursor });
    this.moveTo(PROMPT_STATE[prompt], events);
  }

  private applyNotice(notice: ConsoleNotice, text: string, events: ConsoleEvent[]): void {
    events.push({ kind: 'notice', notice, text });
    switch (notice) {
      case 'uboot-banner':
      case 'autoboot-countdown':
        this.expired = false;
        this.moveTo('uboot', events);
        return;
      case 'kernel-start':
        this.expired = false;
        this.moveTo('kernel-boot', events);
        return;
      case 'kernel-message':
        // Kernel messages also reach a logged-in console; only during boot do they mean "booting".
        if (BOOTING_STATES.includes(this.current)) this.moveTo('kernel-boot', events);
        return;
      case 'password-expired':
        this.expired = true;
        return;
      default:
        return;
    }
  }

  private moveTo(state: ConsoleState, events: ConsoleEvent[]): void {
    if (state === this.current) return;
    events.push({ kind: 'state', from: this.current, to: state });
    this.current = state;
  }
}
