/**
 * The subset of mksh syntax the simulated phone understands: lists joined by `;`, `&&`, `||` and
 * newlines, pipelines with `|`, quoting ('...', "...", backslash), `$?`/`$VAR`/`${VAR}` expansion,
 * globs (* ? [...]) and redirections (`>`, `>>`, `<`, `2>&1`, `N>file`). No loops, no `$(...)`.
 */

export interface WordPart {
  text: string;
  /** Quoted text is neither glob-expanded nor variable-expanded further. */
  quoted: boolean;
  /** `$NAME` (unquoted or inside "..."); expanded at run time. */
  variable?: string;
}

export type Word = WordPart[];

export interface Redirect {
  fd: number;
  kind: '>' | '>>' | '<' | '>&';
  target: Word;
}

export interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
}

export interface Pipeline {
  commands: SimpleCommand[];
}

export interface ListItem {
  pipeline: Pipeline;
  /** How this item is joined to the previous one. */
  connector: ';' | '&&' | '||';
}

export class ShellSyntaxError extends Error {}

/** `glued`: the word ended right at an operator (no blank), as the 2 of `2>&1` does. */
type Token = { kind: 'word'; word: Word; glued: boolean } | { kind: 'op'; op: string };

const OPERATORS = ['&&', '||', '>>', '>&', ';', '|', '>', '<', '\n', '&'];
const REDIRECT_OPS = ['>', '>>', '<', '>&'];

function isSeparatorChar(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\r';
}

function readVariable(line: string, start: number): { name: string; end: number } | null {
  const next = line[start + 1];
  if (next === '?' || next === '$' || next === '#') return { name: next, end: start + 2 };
  if (next === '{') {
    const close = line.indexOf('}', start + 2);
    if (close === -1) throw new ShellSyntaxError('${ without }');
    return { name: line.slice(start + 2, close), end: close + 1 };
  }
  const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(start + 1));
  return match === null ? null : { name: match[0], end: start + 1 + match[0].length };
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < line.length) {
    const char = line[index]!;
    if (isSeparatorChar(char)) {
      index += 1;
      continue;
    }
    if (char === '#') {
      const newline = line.indexOf('\n', index);
      index = newline === -1 ? line.length : newline;
      continue;
    }
    const op = OPERATORS.find((candidate) => line.startsWith(candidate, index));
    if (op !== undefined) {
      tokens.push({ kind: 'op', op });
      index += op.length;
      continue;
    }
    const word: Word = [];
    const literal = (text: string, quoted: boolean): void => {
      const last = word[word.length - 1];
      if (last !== undefined && last.quoted === quoted && last.variable === undefined) last.text += text;
      else word.push({ text, quoted });
    };
    while (index < line.length) {
      const c = line[index]!;
      if (isSeparatorChar(c) || OPERATORS.some((candidate) => line.startsWith(candidate, index))) break;
      if (c === "'") {
        const close = line.indexOf("'", index + 1);
        if (close === -1) throw new ShellSyntaxError("unterminated '");
        literal(line.slice(index + 1, close), true);
        index = close + 1;
      } else if (c === '"') {
        index += 1;
        let closed = false;
        while (index < line.length) {
          const d = line[index]!;
          if (d === '"') {
            closed = true;
            index += 1;
            break;
          }
          if (d === '\\' && index + 1 < line.length && '"\\$`\n'.includes(line[index + 1]!)) {
            literal(line[index + 1]!, true);
            index += 2;
          } else if (d === '$' && readVariable(line, index) !== null) {
            const variable = readVariable(line, index)!;
            word.push({ text: '', quoted: true, variable: variable.name });
            index = variable.end;
          } else {
            literal(d, true);
            index += 1;
          }
        }
        if (!closed) throw new ShellSyntaxError('unterminated "');
        // An empty "" still makes a (empty) word.
        if (word.length === 0) literal('', true);
      } else if (c === '\\') {
        if (index + 1 < line.length) literal(line[index + 1]!, true);
        index += 2;
      } else if (c === '$' && readVariable(line, index) !== null) {
        const variable = readVariable(line, index)!;
        word.push({ text: '', quoted: false, variable: variable.name });
        index = variable.end;
      } else {
        literal(c, false);
        index += 1;
      }
    }
    const glued = index < line.length && OPERATORS.some((candidate) => line.startsWith(candidate, index));
    tokens.push({ kind: 'word', word, glued });
  }
  return tokens;
}

/** A word made only of digits, used to recognise `2>` style redirections. */
function fdNumber(word: Word): number | null {
  if (word.length !== 1 || word[0]!.quoted || word[0]!.variable !== undefined) return null;
  return /^\d$/.test(word[0]!.text) ? Number(word[0]!.text) : null;
}

export function parseShellLine(line: string): ListItem[] {
  const tokens = tokenize(line);
  const items: ListItem[] = [];
  let connector: ListItem['connector'] = ';';
  let commands: SimpleCommand[] = [];
  let current: SimpleCommand = { words: [], redirects: [] };

  const endCommand = (): void => {
    if (current.words.length === 0 && current.redirects.length === 0) {
      if (commands.length > 0) throw new ShellSyntaxError("syntax error: unexpected '|'");
      return;
    }
    commands.push(current);
    current = { words: [], redirects: [] };
  };
  const endPipeline = (next: ListItem['connector']): void => {
    endCommand();
    if (commands.length > 0) items.push({ pipeline: { commands }, connector });
    else if (next !== ';') throw new ShellSyntaxError(`syntax error: unexpected '${next}'`);
    commands = [];
    connector = next;
  };

  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.kind === 'word') {
      const next = tokens[index + 1];
      if (token.glued && fdNumber(token.word) !== null && next?.kind === 'op' && REDIRECT_OPS.includes(next.op)) {
        continue;
      }
      current.words.push(token.word);
      continue;
    }
    switch (token.op) {
      case ';':
      case '\n':
      case '&':
        endPipeline(';');
        break;
      case '&&':
      case '||':
        endPipeline(token.op);
        break;
      case '|':
        endCommand();
        break;
      default: {
        const previous = tokens[index - 1];
        const explicitFd = previous?.kind === 'word' && previous.glued ? fdNumber(previous.word) : null;
        const target = tokens[index + 1];
        if (target?.kind !== 'word') throw new ShellSyntaxError(`syntax error: '${token.op}' needs a target`);
        current.redirects.push({ fd: explicitFd ?? (token.op === '<' ? 0 : 1), kind: token.op as Redirect['kind'], target: target.word });
        index += 1;
      }
    }
  }
  endPipeline(';');
  return items;
}
