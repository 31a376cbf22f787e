/**
 * Accounts and the login dialogue of the simulated board, as util-linux login and PAM passwd run it:
 * `login:`, `Password:`, "Login incorrect", and a forced change on first login (PetaLinux 2022+).
 */

export const SIM_IMAGES = ['petalinux', 'petalinux-expired-password', 'vitis-ai'] as const;
/**
 * petalinux: PetaLinux 2022+, user `petalinux` with no password that must be set at first login.
 * petalinux-expired-password: user `petalinux`, password `petalinux`, expired (asks "Current password:").
 * vitis-ai: Vitis AI board image, `root`/`root`, no change.
 */
export type SimImage = (typeof SIM_IMAGES)[number];

export interface SimAccount {
  password: string | null;
  mustChange: boolean;
}

export function imageAccounts(image: SimImage): Map<string, SimAccount> {
  switch (image) {
    case 'petalinux':
      return new Map([['petalinux', { password: null, mustChange: true }]]);
    case 'petalinux-expired-password':
      return new Map([['petalinux', { password: 'petalinux', mustChange: true }]]);
    case 'vitis-ai':
      return new Map([['root', { password: 'root', mustChange: false }]]);
  }
}

export type LoginStep = 'login' | 'password' | 'current-password' | 'new-password' | 'retype-password';

export interface LoginReply {
  /** Text to print (newlines become CRLF on the console). */
  text: string;
  /** Where the dialogue is now; 'shell' once logged in. */
  next: LoginStep | 'shell';
}

const MAX_PASSWORD_TRIES = 3;
const EXPIRED = 'You are required to change your password immediately (administrator enforced).\n';

/** One login dialogue; a new one starts at each `login:` prompt. */
export class SimLoginDialogue {
  username = '';
  private newPassword = '';
  private tries = 0;

  constructor(private readonly accounts: Map<string, SimAccount>, private readonly hostname: string) {}

  get prompt(): string {
    return `${this.hostname} login: `;
  }

  enter(step: LoginStep, line: string): LoginReply {
    switch (step) {
      case 'login':
        return this.onUsername(line);
      case 'password':
        return this.onPassword(line);
      case 'current-password':
        return this.onCurrentPassword(line);
      case 'new-password':
        return this.onNewPassword(line);
      case 'retype-password':
        return this.onRetype(line);
    }
  }

  private onUsername(line: string): LoginReply {
    this.username = line.trim();
    if (this.username === '') return { text: this.prompt, next: 'login' };
    const account = this.accounts.get(this.username);
    if (account !== undefined && account.password === null && account.mustChange) {
      return { text: `${EXPIRED}New password: `, next: 'new-password' };
    }
    return { text: 'Password: ', next: 'password' };
  }

  private onPassword(line: string): LoginReply {
    const account = this.accounts.get(this.username);
    if (account === undefined || account.password === null || account.password !== line) {
      return { text: `\nLogin incorrect\n${this.prompt}`, next: 'login' };
    }
    if (account.mustChange) {
      return { text: `${EXPIRED}Changing password for ${this.username}.\nCurrent password: `, next: 'current-password' };
    }
    return { text: '', next: 'shell' };
  }

  private onCurrentPassword(line: string): LoginReply {
    const account = this.accounts.get(this.username);
    if (account?.password !== line) {
      return { text: `passwd: Authentication token manipulation error\npasswd: password unchanged\n\n${this.prompt}`, next: 'login' };
    }
    return { text: 'New password: ', next: 'new-password' };
  }

  private onNewPassword(line: string): LoginReply {
    const account = this.accounts.get(this.username);
    const problem = passwordProblem(line, this.username, account?.password ?? null);
    if (problem !== null) {
      this.tries += 1;
      if (this.tries >= MAX_PASSWORD_TRIES) return this.giveUp();
      return { text: `BAD PASSWORD: ${problem}\nNew password: `, next: 'new-password' };
    }
    this.newPassword = line;
    return { text: 'Retype new password: ', next: 'retype-password' };
  }

  private onRetype(line: string): LoginReply {
    if (line !== this.newPassword) {
      this.tries += 1;
      if (this.tries >= MAX_PASSWORD_TRIES) return this.giveUp();
      return { text: 'Sorry, passwords do not match.\nNew password: ', next: 'new-password' };
    }
    this.accounts.set(this.username, { password: this.newPassword, mustChange: false });
    return { text: '', next: 'shell' };
  }

  private giveUp(): LoginReply {
    return { text: `passwd: Have exhausted maximum number of retries for service\npasswd: password unchanged\n\n${this.prompt}`, next: 'login' };
  }
}

/** The checks pam_pwquality makes with PetaLinux's defaults, in its words. */
function passwordProblem(password: string, username: string, old: string | null): string | null {
  if (password.length < 8) return 'The password is shorter than 8 characters';
  if (old !== null && password === old) return 'The password is the same as the old one';
  if (password.toLowerCase().includes(username.toLowerCase())) return 'The password contains the user name in some form';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(password)).length;
  if (classes < 2) return 'The password contains less than 2 character classes';
  return null;
}
