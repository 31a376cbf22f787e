import { describe, expect, it } from 'vitest';

import { describeValue, humanizeKey } from './device-details';

describe('humanizeKey', () => {
  it('splits camelCase, keeps acronyms and turns unit suffixes into units', () => {
    expect(humanizeKey('cpuTemperatureC')).toBe('CPU temperature (°C)');
    expect(humanizeKey('batteryPercent')).toBe('Battery (%)');
    expect(humanizeKey('bigCoreMask')).toBe('Big core mask');
    expect(humanizeKey('androidVersion')).toBe('Android version');
    expect(humanizeKey('soc')).toBe('SoC');
    expect(humanizeKey('maxFreqKHz')).toBe('Max freq (kHz)');
  });
});

describe('describeValue', () => {
  it('writes lists of records one per line, with readable keys', () => {
    expect(describeValue([{ cpus: [0, 1], maxFreqKHz: 2002000 }, { cpus: [2], maxFreqKHz: 2730000 }])).toBe(
      'cpus 0, 1, max freq (kHz) 2002000\ncpus 2, max freq (kHz) 2730000',
    );
    expect(describeValue(null)).toBe('—');
    expect(describeValue(true)).toBe('yes');
  });
});
