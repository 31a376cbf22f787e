import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../../core/shared/errors';

import { parseTokenList } from './profile';

describe('spvit profile --tokens', () => {
  it('reads counts and ranges with steps, sorted and without repeats', () => {
    expect(parseTokenList('50, 1,100-104,120-136:8,50')).toEqual([1, 50, 100, 101, 102, 103, 104, 120, 128, 136]);
  });

  it('names what it cannot read', () => {
    for (const text of ['', 'a', '5-1', '0', '1-9:0']) {
      let caught: unknown;
      try {
        parseTokenList(text);
      } catch (error) {
        caught = error;
      }
      expect(isStudioError(caught, 'input/invalid'), text).toBe(true);
    }
  });
});
