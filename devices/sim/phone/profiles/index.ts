/** The built-in simulated phones, and loading a JSON profile (`{ "extends": "galaxy-s20", ... }`). */
import { readFileSync } from 'node:fs';

import { StudioError } from '../../../../core/shared/errors';

import { GALAXY_S20 } from './galaxy-s20';
import { MOTO_E5_PLAY } from './moto-e5-play';
import { PIXEL_4A } from './pixel-4a';
import { mergeProfile } from './profile';

import type { SimPhoneProfile } from './profile';

export const BUILTIN_PHONE_PROFILES: Readonly<Record<string, SimPhoneProfile>> = {
  [GALAXY_S20.id]: GALAXY_S20,
  [PIXEL_4A.id]: PIXEL_4A,
  [MOTO_E5_PLAY.id]: MOTO_E5_PLAY,
};

export const DEFAULT_PHONE_PROFILE = GALAXY_S20.id;

/** A built-in name, or a path to a JSON file that extends one (default galaxy-s20) and overrides fields. */
export function loadSimPhoneProfile(nameOrPath: string): SimPhoneProfile {
  const builtin = BUILTIN_PHONE_PROFILES[nameOrPath];
  if (builtin !== undefined) return structuredClone(builtin);
  if (!nameOrPath.endsWith('.json')) {
    throw new StudioError('input/invalid', `Unknown phone profile '${nameOrPath}'.`, {
      hint: `Use one of ${Object.keys(BUILTIN_PHONE_PROFILES).join(', ')} or a path to a .json profile.`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (error) {
    throw new StudioError('input/invalid', `Cannot read the phone profile ${nameOrPath}.`, { cause: error, hint: 'Give a readable JSON file.' });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new StudioError('input/invalid', `${nameOrPath} does not hold a JSON object.`, { hint: 'See devices/sim/phone/profiles/ for the fields.' });
  }
  const { extends: baseName = DEFAULT_PHONE_PROFILE, ...overrides } = parsed as Record<string, unknown>;
  const base = typeof baseName === 'string' ? BUILTIN_PHONE_PROFILES[baseName] : undefined;
  if (base === undefined) {
    throw new StudioError('input/invalid', `${nameOrPath} extends an unknown profile '${String(baseName)}'.`, {
      hint: `Extend one of ${Object.keys(BUILTIN_PHONE_PROFILES).join(', ')}.`,
    });
  }
  try {
    return mergeProfile(structuredClone(base), overrides);
  } catch (error) {
    throw new StudioError('input/invalid', `Invalid phone profile ${nameOrPath}: ${error instanceof Error ? error.message : String(error)}.`, {
      hint: 'See devices/sim/phone/profiles/profile.ts for the fields and their types.',
    });
  }
}
