/**
 * The simulated board shell's parser: words with single and double quotes (adjacent parts join),
 * `$?` and `$NAME` expansion outside single quotes, `VAR=value` prefixes, `;` and `&` separators.
 */

export interface WordPart {
  text: string;
  /** False inside single quotes. */
  expand: boolean;
}

export type ShellWord = WordPart[];

export interface ShellCommand {
  words: ShellWord[];
  background: boolean;
}

export type ParseResult = { ok: true; commands: ShellCommand[] } | { ok: false; message: string };

export function parseShellLine(line: string): ParseResult {
  const commands: ShellCommand[] = [];
  let words: ShellWord[] = [];
  let word: ShellWord | null = null;
  let quote: "'" | '"' | null = null;
  const addText = (text: string, expand: boolean): void => {
    word ??= [];
    const last = word[word.length - 1];
    if (last !== undefined && last.expand === expand) last.text += text;
    else word.push({ text, expand });
  };
  const endWord = (): void => {
    if (word !== null) words.push(word);
    word = null;
  };
  for (const char of line) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else addText(char, quote === '"');
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      word ??= [];
      continue;
    }
    if (char === ' ' || char === '\t') {
      endWord();
      continue;
    }
    if (char === ';' || char === '&') {
      endWord();
      if (words.length === 0) return { ok: false, message: `syntax error: unexpected "${char}"` };
      commands.push({ words, background: char === '&' });
      words = [];
      continue;
    }
    addText(char, true);
  }
  if (quote !== null) return { ok: false, message: `syntax error: unterminated quoted string` };
  endWord();
  if (words.length > 0) commands.push({ words, background: false });
  return { ok: true, commands };
}

/** Expands `$?` and `$NAME` (unset names become empty, as in sh). */
export function expandWord(word: ShellWord, variables: ReadonlyMap<string, string>): string {
  return word
    .map((part) => (part.expand ? part.text.replace(/\$(\?|[A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => variables.get(name) ?? '') : part.text))
    .join('');
}

/** Splits leading `NAME=value` words off a command. */
export function splitAssignments(words: readonly string[]): { assignments: Map<string, string>; argv: string[] } {
  const assignments = new Map<string, string>();
  let index = 0;
  for (; index < words.length; index += 1) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(words[index] ?? '');
    if (match === null) break;
    assignments.set(match[1] ?? '', match[2] ?? '');
  }
  return { assignments, argv: words.slice(index) };
}
