/**
 * Undo and redo over immutable documents: each command records the document before and after it.
 * Commands with the same coalescing key in a row (one drag, typing in one field) make one step.
 */
export interface Command<T> {
  readonly label: string;
  readonly before: T;
  readonly after: T;
  readonly coalesceKey: string | null;
}

export interface CommandStack<T> {
  readonly present: T;
  readonly done: readonly Command<T>[];
  readonly undone: readonly Command<T>[];
}

const LIMIT = 200;

export function createStack<T>(present: T): CommandStack<T> {
  return { present, done: [], undone: [] };
}

export interface ApplyOptions {
  readonly label: string;
  /** Joins this command to the previous one when both have the same key. */
  readonly coalesceKey?: string;
}

export function apply<T>(stack: CommandStack<T>, next: T, options: ApplyOptions): CommandStack<T> {
  if (next === stack.present) return stack;
  const key = options.coalesceKey ?? null;
  const last = stack.done[stack.done.length - 1];
  if (key !== null && last !== undefined && last.coalesceKey === key && stack.undone.length === 0) {
    const merged: Command<T> = { ...last, after: next };
    return { present: next, done: [...stack.done.slice(0, -1), merged], undone: [] };
  }
  const command: Command<T> = { label: options.label, before: stack.present, after: next, coalesceKey: key };
  return { present: next, done: [...stack.done, command].slice(-LIMIT), undone: [] };
}

export function undo<T>(stack: CommandStack<T>): CommandStack<T> {
  const last = stack.done[stack.done.length - 1];
  if (last === undefined) return stack;
  return { present: last.before, done: stack.done.slice(0, -1), undone: [...stack.undone, last] };
}

export function redo<T>(stack: CommandStack<T>): CommandStack<T> {
  const next = stack.undone[stack.undone.length - 1];
  if (next === undefined) return stack;
  return { present: next.after, done: [...stack.done, next], undone: stack.undone.slice(0, -1) };
}

/** Ends coalescing: the next command starts a step of its own (a drag ended, a field lost focus). */
export function seal<T>(stack: CommandStack<T>): CommandStack<T> {
  const last = stack.done[stack.done.length - 1];
  if (last === undefined || last.coalesceKey === null) return stack;
  return { ...stack, done: [...stack.done.slice(0, -1), { ...last, coalesceKey: null }] };
}

/** "Undo Move node", or null when there is nothing to undo. */
export function undoLabel<T>(stack: CommandStack<T>): string | null {
  return stack.done[stack.done.length - 1]?.label ?? null;
}

export function redoLabel<T>(stack: CommandStack<T>): string | null {
  return stack.undone[stack.undone.length - 1]?.label ?? null;
}
