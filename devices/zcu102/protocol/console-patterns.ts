/**
 * What a ZCU102 console prints, as patterns. Taken from U-Boot, the kernel, util-linux login, shadow
 * and PAM passwd, and the prompts of PetaLinux (`host:~$ `) and Vitis AI images (`root@host:~# `).
 * Prompt patterns match the text left of the cursor, so they end the string.
 */

export type ConsolePrompt =
  | 'uboot'
  | 'login'
  | 'password'
  | 'current-password'
  | 'new-password'
  | 'retype-password'
  | 'shell';

/** Checked in this order: the more specific password prompts come before plain `Password:`. */
export const PROMPT_PATTERNS: readonly (readonly [ConsolePrompt, RegExp])[] = [
  ['uboot', /(?:^|\s)(?:ZynqMP|Versal|Zynq|U-Boot)> ?$/],
  ['retype-password', /(?:Retype|Re-enter|Repeat) new (?:UNIX )?password: ?$/i],
  ['new-password', /(?:^|\s)(?:Enter )?new (?:UNIX )?password: ?$/i],
  ['current-password', /(?:\(current\) UNIX password|Current password|Old password): ?$/i],
  ['password', /(?:^|\s)[Pp]assword(?: for [\w.-]+)?: ?$/],
  ['login', /(?:^|\s)(?:[\w.-]+ )?login: ?$/],
  ['shell', /(?:^|[\s\]>])(?:(?:[\w.-]+@)?[A-Za-z0-9][\w.-]*:(?:~|\/)[^\s]*|(?:ba)?sh-\d+(?:\.\d+)*) ?[$#] $/],
  ['shell', /^[$#] $/],
];

/** Lines that end like a prompt but are not one. */
const NOT_PROMPTS: readonly RegExp[] = [/Last login: ?$/];

/** Prompts are short: only the end of a (possibly very long) line is looked at. */
const PROMPT_TAIL_CHARS = 256;

export function matchPrompt(beforeCursor: string): ConsolePrompt | null {
  const tail = beforeCursor.slice(-PROMPT_TAIL_CHARS);
  if (NOT_PROMPTS.some((pattern) => pattern.test(tail))) return null;
  for (const [prompt, pattern] of PROMPT_PATTERNS) {
    if (pattern.test(tail)) return prompt;
  }
  return null;
}

/** Things printed on whole lines that change what the console is doing or tell how a step went. */
export type ConsoleNotice =
  | 'uboot-banner'
  | 'autoboot-countdown'
  | 'kernel-start'
  | 'kernel-message'
  | 'password-expired'
  | 'login-incorrect'
  | 'password-rejected'
  | 'password-mismatch'
  | 'password-change-failed'
  | 'password-changed'
  | 'kernel-panic';

export const NOTICE_PATTERNS: readonly (readonly [ConsoleNotice, RegExp])[] = [
  ['uboot-banner', /^U-Boot (?:SPL )?20\d\d\.\d\d/],
  ['autoboot-countdown', /Hit any key to stop autoboot/],
  ['kernel-start', /Starting kernel \.\.\.|Booting Linux on physical CPU/],
  ['kernel-panic', /Kernel panic - not syncing/],
  ['kernel-message', /^\[\s*\d+\.\d+\]/],
  [
    'password-expired',
    /You are required to change your password immediately|Your password has expired|password change required/i,
  ],
  ['login-incorrect', /^Login incorrect/],
  ['password-rejected', /^BAD PASSWORD:|^passwd: .*(?:too short|too simple|dictionary)/i],
  ['password-mismatch', /Sorry, passwords do not match|Passwords don't match/i],
  [
    'password-change-failed',
    /passwd: (?:Authentication token manipulation error|Have exhausted maximum number of retries|password unchanged)/i,
  ],
  ['password-changed', /passwd: password (?:updated successfully|changed)/i],
];

export function matchNotices(line: string): ConsoleNotice[] {
  const found: ConsoleNotice[] = [];
  for (const [notice, pattern] of NOTICE_PATTERNS) {
    if (pattern.test(line)) found.push(notice);
  }
  return found;
}
