/** Typed access to parsed flags, with StudioErrors that name the flag. */
import { StudioError } from '../../core/shared/errors';

import type { ParsedCommandLine } from './command';

export function stringFlag(args: ParsedCommandLine, name: string): string | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new StudioError('input/invalid', `--${name} takes a value.`);
  }
  return value;
}

export function requiredFlag(args: ParsedCommandLine, name: string): string {
  const value = stringFlag(args, name);
  if (value === undefined || value === '') {
    throw new StudioError('input/invalid', `--${name} is required.`, { hint: 'See --help for the usage.' });
  }
  return value;
}

export function booleanFlag(args: ParsedCommandLine, name: string): boolean {
  return args.values[name] === true;
}

export function listFlag(args: ParsedCommandLine, name: string): string[] {
  const value = args.values[name];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item): item is string => typeof item === 'string');
}

export function integerFlag(args: ParsedCommandLine, name: string, range: { min: number; max: number }): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new StudioError('input/invalid', `--${name} must be an integer from ${range.min} to ${range.max}, got '${raw}'.`);
  }
  return value;
}
