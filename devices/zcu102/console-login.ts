/**
 * Gets a board's console to a shell prompt, whatever state it is in: waits out U-Boot and the
 * kernel, boots from a stopped U-Boot, logs in (PetaLinux `petalinux`, Vitis AI `root`), and goes
 * through a forced password change with a generated password that is remembered for the board.
 */
import { randomInt } from 'node:crypto';

import type { ConsoleEvent } from './protocol/console-machine';
import type { BoardCredentials, Zcu102BoardStore } from './board-store';
import type { ConsoleSession } from './console-session';
import type { Deadline } from './deadline';

export interface LoginSettings {
  /** Default `petalinux`; Vitis AI images use `root`. */
  username: string;
  /** Tried after the remembered passwords; the username itself is tried last (root/root images). */
  password: string | null;
  store: Zcu102BoardStore;
  /** How long the console may stay quiet before we press Enter. */
  idleMs: number;
}

const MAX_LOGIN_PROMPTS = 5;
const MAX_NEW_PASSWORD_PROMPTS = 3;
const MAX_QUIET_POKES = 6;

class LoginRun {
  private readonly candidates: string[];
  private candidate = 0;
  private usedPassword: string | null = null;
  private newPassword: string | null = null;
  private loginPrompts = 0;
  private newPasswordPrompts = 0;
  private pokes = 0;

  constructor(
    private readonly session: ConsoleSession,
    private readonly settings: LoginSettings,
    private readonly remembered: BoardCredentials | null,
  ) {
    const known = [remembered?.password, remembered?.pendingPassword, settings.password, settings.username];
    this.candidates = [...new Set(known.filter((value): value is string => typeof value === 'string' && value !== ''))];
    for (const secret of this.candidates) session.addSecret(secret);
  }

  async run(deadline: Deadline): Promise<void> {
    let cursor = this.session.seq;
    for (;;) {
      const outcome = await this.session.waitNext({ after: cursor, idleMs: this.settings.idleMs, deadline });
      if (outcome.kind === 'idle') {
        await this.onQuiet();
        continue;
      }
      cursor = outcome.seq;
      if (await this.onEvent(outcome.event)) return;
    }
  }

  private async onQuiet(): Promise<void> {
    const state = this.session.state;
    // U-Boot counting down and a booting kernel go quiet for a while; pressing a key would stop autoboot.
    if (state === 'uboot' || state === 'kernel-boot') return;
    this.pokes += 1;
    if (this.pokes > MAX_QUIET_POKES) {
      throw this.session.error(
        'device/timeout',
        `The console ${this.session.path} does not answer.`,
        'Check that the board is on, that this is interface 0 of the CP2108 (the Linux console) and that nothing else holds the port.',
      );
    }
    // A program in the foreground (top, a stuck command) holds the console: interrupt it.
    await this.session.write(this.pokes >= 3 ? '\x03\r' : '\r');
  }

  /** Returns true once a shell prompt is reached. */
  private async onEvent(event: ConsoleEvent): Promise<boolean> {
    if (event.kind === 'notice') {
      await this.onNotice(event.notice, event.text);
      return false;
    }
    if (event.kind !== 'prompt') return false;
    this.pokes = 0;
    switch (event.prompt) {
      case 'uboot':
        await this.session.write('boot\r');
        return false;
      case 'login':
        this.loginPrompts += 1;
        if (this.loginPrompts > MAX_LOGIN_PROMPTS) throw this.loginRefused();
        await this.session.write(`${this.settings.username}\r`);
        return false;
      case 'password':
        this.usedPassword = this.candidates[this.candidate] ?? null;
        if (this.usedPassword === null) throw this.loginRefused();
        await this.session.write(`${this.usedPassword}\r`);
        return false;
      case 'current-password':
        await this.session.write(`${this.usedPassword ?? this.candidates[0] ?? ''}\r`);
        return false;
      case 'new-password':
        await this.onNewPassword();
        return false;
      case 'retype-password':
        await this.session.write(`${this.newPassword ?? ''}\r`);
        return false;
      case 'shell':
        await this.remember();
        return true;
    }
  }

  private async onNotice(notice: string, text: string): Promise<void> {
    switch (notice) {
      case 'login-incorrect':
        if (this.usedPassword !== null) this.candidate += 1;
        return;
      case 'password-rejected':
      case 'password-change-failed':
        // Our Enter on a prompt someone left open can cause these too; only our own change counts.
        if (this.newPassword === null) return;
        throw this.session.error('device/failed', `The board refused the password change: ${text.trim()}`, 'Log in on the console once by hand and set a password, then give it to the studio.');
      case 'kernel-panic':
        throw this.session.error('device/failed', 'The board kernel panicked while booting.', 'Check the SD card image and the boot mode switches (SW6), then power-cycle the board.');
      default:
        return;
    }
  }

  private async onNewPassword(): Promise<void> {
    this.newPasswordPrompts += 1;
    if (this.newPasswordPrompts > MAX_NEW_PASSWORD_PROMPTS) {
      throw this.session.error('device/failed', 'The board keeps asking for a new password.', 'Log in on the console once by hand and set a password, then give it to the studio.');
    }
    this.newPassword ??= generatePassword();
    this.session.addSecret(this.newPassword);
    // Saved before it is typed: if anything dies between here and the shell, it is not lost.
    await this.settings.store.update(this.session.path, {
      credentials: { username: this.settings.username, password: this.usedPassword, pendingPassword: this.newPassword },
    });
    await this.session.write(`${this.newPassword}\r`);
  }

  private async remember(): Promise<void> {
    const password = this.newPassword ?? this.usedPassword ?? this.remembered?.password ?? null;
    await this.settings.store.update(this.session.path, {
      credentials: { username: this.settings.username, password, pendingPassword: null },
    });
  }

  private loginRefused(): Error {
    return this.session.error(
      'device/unauthorized',
      `The board refused the login as '${this.settings.username}' with every password the studio knows.`,
      'Give the board password in the device settings (PetaLinux: user petalinux; Vitis AI images: root/root).',
    );
  }
}

export async function loginToShell(session: ConsoleSession, settings: LoginSettings, deadline: Deadline): Promise<void> {
  if (session.state === 'shell') return;
  const record = await settings.store.read(session.path);
  const remembered = record.credentials?.username === settings.username ? record.credentials : null;
  await new LoginRun(session, settings, remembered).run(deadline);
}

const PASSWORD_GROUPS = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '-_.+='];

/** 20 characters with every class present, so pam_pwquality's usual rules accept it. */
export function generatePassword(length = 20): string {
  const all = PASSWORD_GROUPS.join('');
  const chars = PASSWORD_GROUPS.map((group) => group[randomInt(group.length)] ?? '');
  while (chars.length < length) chars.push(all[randomInt(all.length)] ?? '');
  for (let index = chars.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [chars[index], chars[other]] = [chars[other] ?? '', chars[index] ?? ''];
  }
  return chars.join('');
}
