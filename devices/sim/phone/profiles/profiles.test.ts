import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { isStudioError } from '../../../../core/shared/errors';

import { BUILTIN_PHONE_PROFILES, loadSimPhoneProfile } from './index';
import { coreCount } from './profile';

const dir = mkdtempSync(join(tmpdir(), 'spvit-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('phone profiles', () => {
  it('has a Galaxy S20 with 4 + 2 + 2 cores and a low-end single-cluster phone', () => {
    expect(BUILTIN_PHONE_PROFILES['galaxy-s20']!.clusters.map((cluster) => cluster.cores)).toEqual([4, 2, 2]);
    const low = BUILTIN_PHONE_PROFILES['moto-e5-play']!;
    expect([coreCount(low), low.clusters.length, low.adb.protocolVersion]).toEqual([4, 1, 0x01000000]);
  });

  it('loads a JSON profile that extends a built-in one and overrides a few fields', () => {
    const path = file('custom.json', {
      extends: 'moto-e5-play',
      properties: { 'ro.product.model': 'moto e5 custom', 'ro.custom.flag': 'x' },
      runtime: { benchmarkVersion: 'info-prefixed' },
    });
    const profile = loadSimPhoneProfile(path);
    expect(profile.properties['ro.product.model']).toBe('moto e5 custom');
    expect(profile.properties['ro.custom.flag']).toBe('x');
    expect(profile.runtime).toMatchObject({ benchmarkVersion: 'info-prefixed', perOpOverheadUs: 14 });
    expect(BUILTIN_PHONE_PROFILES['moto-e5-play']!.runtime.benchmarkVersion).toBe('old');
  });

  it('rejects unknown names, unknown fields and values of the wrong type, as input/invalid', () => {
    const attempts = [
      'pixel-99',
      file('typo.json', { runtime: { perOpOverheadMicros: 3 } }),
      file('type.json', { thermal: { ambientC: 'warm' } }),
      file('base.json', { extends: 'nokia-3310' }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        loadSimPhoneProfile(attempt);
      } catch (error) {
        caught = error;
      }
      expect(isStudioError(caught, 'input/invalid')).toBe(true);
    }
  });
});
