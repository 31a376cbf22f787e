import { describe, expect, it } from 'vitest';

import { ConsoleText, MAX_PENDING_CHARS } from './console-text';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('ConsoleText', () => {
  it('splits CRLF and LF lines and keeps the unfinished line pending', () => {
    const text = new ConsoleText();
    expect(text.feed(bytes('one\r\ntwo\nthr'))).toEqual(['one', 'two']);
    expect(text.pending).toBe('thr');
  });

  it('removes colour, cursor and bracketed-paste escapes, also when split across chunks', () => {
    const text = new ConsoleText();
    const stream = bytes('\u001b[?2004h\u001b[01;32mroot@zcu102\u001b[00m:\u001b[01;34m~\u001b[00m# ');
    for (const byte of stream) text.feed(Uint8Array.of(byte));
    expect(text.pending).toBe('root@zcu102:~# ');
  });

  it('skips OSC title sequences ended by BEL or ST', () => {
    const text = new ConsoleText();
    expect(text.feed(bytes('\u001b]0;title\u0007a\u001b]2;t\u001b\\b\n'))).toEqual(['ab']);
  });

  it('applies carriage return, backspace and erase-to-end-of-line like a terminal', () => {
    const text = new ConsoleText();
    text.feed(bytes('Hit any key to stop autoboot:  2 \b\b\b 1 '));
    expect(text.pending).toBe('Hit any key to stop autoboot:  1 ');
    text.feed(bytes('\rlogin: \u001b[K'));
    expect(text.pending).toBe('login: ');
    expect(text.beforeCursor).toBe('login: ');
  });

  it('shows where input goes after a carriage return overwrote a longer line', () => {
    const text = new ConsoleText();
    text.feed(bytes('a long line of garbage\rlogin: '));
    expect(text.beforeCursor).toBe('login: ');
    expect(text.pendingRewrites).toBe(1);
  });

  it('turns invalid UTF-8 into replacement characters and decodes split multi-byte characters', () => {
    const text = new ConsoleText();
    const euro = utf8('€');
    text.feed(Uint8Array.of(0xff, 0x00, euro[0] ?? 0));
    text.feed(euro.subarray(1));
    expect(text.pending).toBe('\ufffd€');
  });

  it('keeps only the tail of an endless line', () => {
    const text = new ConsoleText();
    text.feed(bytes('x'.repeat(MAX_PENDING_CHARS * 2)));
    text.feed(bytes('login: '));
    expect(text.pending.length).toBe(MAX_PENDING_CHARS);
    expect(text.beforeCursor.endsWith('login: ')).toBe(true);
  });
});
