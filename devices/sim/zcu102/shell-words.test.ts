import { describe, expect, it } from 'vitest';

import { expandWord, parseShellLine, splitAssignments } from './shell-words';

function words(line: string, status = '0'): string[][] {
  const parsed = parseShellLine(line);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.commands.map((command) => command.words.map((word) => expandWord(word, new Map([['?', status]]))));
}

describe('the simulated shell parser', () => {
  it("joins adjacent quoted parts, as the console agent's markers rely on", () => {
    expect(words('echo "@@SPVIT""-END abc $?"', '3')).toEqual([['echo', '@@SPVIT-END abc 3']]);
  });

  it('does not expand inside single quotes', () => {
    expect(words("echo '$?' $?", '1')).toEqual([['echo', '$?', '1']]);
  });

  it('separates commands on ; and & and marks background ones', () => {
    const parsed = parseShellLine('echo a; X=1 spvit-board-agent --port 0 & echo b');
    expect(parsed.ok && parsed.commands.map((command) => command.background)).toEqual([false, true, false]);
  });

  it('splits leading assignments from the command', () => {
    const [command] = words('SPVIT_AGENT_TOKEN=abc Y="two words" spvit-board-agent --replace');
    expect(splitAssignments(command ?? [])).toEqual({
      assignments: new Map([
        ['SPVIT_AGENT_TOKEN', 'abc'],
        ['Y', 'two words'],
      ]),
      argv: ['spvit-board-agent', '--replace'],
    });
  });

  it('reports syntax errors instead of guessing', () => {
    expect(parseShellLine('echo "open').ok).toBe(false);
    expect(parseShellLine('a &; b').ok).toBe(false);
  });
});
