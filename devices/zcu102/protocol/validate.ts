/** Small checks for JSON read off the wire (the agent has no schema library). */
import { AgentError } from './frame-error';

export type JsonObject = Record<string, unknown>;

function invalid(message: string): AgentError {
  return new AgentError('input/invalid', message);
}

export function expectObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${what} must be an object.`);
  }
  return value as JsonObject;
}

export function expectString(object: JsonObject, key: string, maxLength = 1024): string {
  const value = object[key];
  if (typeof value !== 'string' || value.length > maxLength) {
    throw invalid(`'${key}' must be a string of at most ${maxLength} characters.`);
  }
  return value;
}

export function expectInteger(object: JsonObject, key: string, range: { min: number; max: number }): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw invalid(`'${key}' must be an integer from ${range.min} to ${range.max}.`);
  }
  return value;
}

export function expectNumber(object: JsonObject, key: string, range: { min: number; max: number }): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max) {
    throw invalid(`'${key}' must be a number from ${range.min} to ${range.max}.`);
  }
  return value;
}

export function expectOneOf<T extends string>(object: JsonObject, key: string, allowed: readonly T[]): T {
  const value = object[key];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`'${key}' must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

export function expectIntegerArray(object: JsonObject, key: string, limits: { maxLength: number; min: number; max: number }): number[] {
  const value = object[key];
  if (!Array.isArray(value) || value.length > limits.maxLength) {
    throw invalid(`'${key}' must be an array of at most ${limits.maxLength} integers.`);
  }
  return value.map((item, index) => {
    if (typeof item !== 'number' || !Number.isInteger(item) || item < limits.min || item > limits.max) {
      throw invalid(`'${key}[${index}]' must be an integer from ${limits.min} to ${limits.max}.`);
    }
    return item;
  });
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function expectSha256(object: JsonObject, key: string): string {
  const value = expectString(object, key, 64);
  if (!SHA256_HEX.test(value)) throw invalid(`'${key}' must be a lowercase hex SHA-256 digest.`);
  return value;
}
