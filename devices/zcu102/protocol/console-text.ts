/**
 * Turns raw console bytes into what a terminal would show: UTF-8 decoded (bad bytes become U+FFFD),
 * ANSI escape sequences removed, carriage return and backspace applied to the current line, other
 * control bytes dropped. Pure and incremental: escapes and UTF-8 sequences may be split across chunks.
 */

/** A line longer than this keeps only its tail: prompts sit at the end of a line. */
export const MAX_PENDING_CHARS = 4096;

type EscapeState = 'text' | 'escape' | 'csi' | 'osc' | 'osc-escape' | 'charset';

/** What feeding produced, in order: whole lines, and points where a prompt may have just ended. */
export type ConsoleTextItem =
  | { kind: 'line'; text: string }
  | { kind: 'prompt-check'; beforeCursor: string; rewrites: number };

/** Prompts are short: a checkpoint keeps only the end of the line. */
const CHECK_TAIL_CHARS = 256;

/** Prompts end in one of these; checking only after them keeps the work per byte small. */
const PROMPT_END_CHARS = new Set([' ', ':', '#', '$', '>']);

export class ConsoleText {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private escape: EscapeState = 'text';
  private csiParameters = '';
  private line: string[] = [];
  private cursor = 0;
  /** Counts carriage returns on the current line, so a rewritten prompt is seen again. */
  private rewrites = 0;

  /** Feeds bytes; returns the lines they completed (without terminators). */
  feed(bytes: Uint8Array): string[] {
    return this.feedItems(bytes).flatMap((item) => (item.kind === 'line' ? [item.text] : []));
  }

  /** Feeds bytes; returns completed lines and prompt checkpoints in the order they happened. */
  feedItems(bytes: Uint8Array): ConsoleTextItem[] {
    const text = this.decoder.decode(bytes, { stream: true });
    const items: ConsoleTextItem[] = [];
    for (const char of text) {
      const line = this.consume(char);
      if (line !== undefined) {
        items.push({ kind: 'line', text: line });
      } else if (this.escape === 'text' && PROMPT_END_CHARS.has(char)) {
        const start = Math.max(0, this.cursor - CHECK_TAIL_CHARS);
        items.push({ kind: 'prompt-check', beforeCursor: this.line.slice(start, this.cursor).join(''), rewrites: this.rewrites });
      }
    }
    return items;
  }

  /** The text of the line not yet ended by a newline. */
  get pending(): string {
    return this.line.join('');
  }

  /** The pending text left of the cursor: where a prompt waits for input. */
  get beforeCursor(): string {
    return this.line.slice(0, this.cursor).join('');
  }

  get pendingRewrites(): number {
    return this.rewrites;
  }

  /** Erase-in-line and erase-in-display change what the line shows; other sequences do not. */
  private applyCsi(final: string): void {
    const parameter = this.csiParameters === '' ? '0' : this.csiParameters;
    if (final === 'K' && parameter === '0') {
      this.line.length = this.cursor;
    } else if ((final === 'K' && parameter === '2') || (final === 'J' && parameter === '2')) {
      this.line = [];
      this.cursor = 0;
    }
  }

  private consume(char: string): string | undefined {
    const code = char.codePointAt(0) ?? 0;
    switch (this.escape) {
      case 'escape':
        this.escape = char === '[' ? 'csi' : char === ']' ? 'osc' : '()*+'.includes(char) ? 'charset' : 'text';
        this.csiParameters = '';
        return undefined;
      case 'csi':
        // Parameters and intermediates are 0x20-0x3f; a byte in 0x40-0x7e ends the sequence.
        if (code >= 0x40 && code <= 0x7e) {
          this.escape = 'text';
          this.applyCsi(char);
        } else if (code < 0x20 || code > 0x7e) {
          this.escape = 'text';
        } else if (this.csiParameters.length < 32) {
          this.csiParameters += char;
        }
        return undefined;
      case 'osc':
        if (code === 0x07) this.escape = 'text';
        else if (code === 0x1b) this.escape = 'osc-escape';
        return undefined;
      case 'osc-escape':
        this.escape = char === '\\' ? 'text' : 'osc';
        return undefined;
      case 'charset':
        this.escape = 'text';
        return undefined;
      case 'text':
        return this.consumeText(char, code);
    }
  }

  private consumeText(char: string, code: number): string | undefined {
    if (code === 0x1b) {
      this.escape = 'escape';
      return undefined;
    }
    if (char === '\n') {
      const line = this.pending;
      this.line = [];
      this.cursor = 0;
      this.rewrites = 0;
      return line;
    }
    if (char === '\r') {
      this.cursor = 0;
      this.rewrites += 1;
      return undefined;
    }
    if (code === 0x08) {
      this.cursor = Math.max(0, this.cursor - 1);
      return undefined;
    }
    if (char === '\t') {
      this.put(' ');
      return undefined;
    }
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      return undefined;
    }
    this.put(char);
    return undefined;
  }

  private put(char: string): void {
    if (this.cursor < this.line.length) {
      this.line[this.cursor] = char;
    } else {
      this.line.push(char);
    }
    this.cursor += 1;
    if (this.line.length > MAX_PENDING_CHARS) {
      const drop = this.line.length - MAX_PENDING_CHARS;
      this.line.splice(0, drop);
      this.cursor = Math.max(0, this.cursor - drop);
    }
  }
}
