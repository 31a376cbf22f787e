/** Turns a contract plus handlers into a Dispatcher: validates params, runs, serialises errors. */
import { NEVER_ABORTED } from '../shared/abort';
import type { AbortSignalLike } from '../shared/abort';
import { StudioError, toSerializedError } from '../shared/errors';

import type { ContractShape, EventName, EventPayload, Handlers, HandlerContext } from './define';
import type { Dispatcher, Reply } from './transport';

export interface ServeOptions {
  /** Parse results too (development and tests); a handler returning a bad shape is a bug. */
  validateResults?: boolean;
  /** Called for every internal/bug error, with its stack, so hosts can log it. */
  onBug?: (method: string, error: unknown) => void;
}

function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(params)'}: ${issue.message}`)
    .join('; ');
}

export interface Backend<C extends ContractShape> extends Dispatcher {
  emit<E extends EventName<C>>(event: E, payload: EventPayload<C, E>): void;
}

export function serve<C extends ContractShape>(
  contract: C,
  handlers: Handlers<C>,
  options: ServeOptions = {},
): Backend<C> {
  const listeners = new Set<(event: string, payload: unknown) => void>();

  function emit<E extends EventName<C>>(event: E, payload: EventPayload<C, E>): void {
    for (const listener of listeners) {
      listener(event, payload);
    }
  }

  async function dispatch(method: string, params: unknown, signal?: AbortSignalLike): Promise<Reply> {
    try {
      if (!Object.hasOwn(contract.methods, method)) {
        throw new StudioError('input/invalid', `Unknown method '${method}'.`, {
          hint: 'The client and the backend are from different versions of the studio.',
        });
      }
      const spec = contract.methods[method]!;
      const parsed = spec.params.safeParse(params ?? {});
      if (!parsed.success) {
        throw new StudioError('input/invalid', `Invalid parameters for ${method}: ${formatIssues(parsed.error.issues)}`, {
          details: { method, issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
        });
      }
      const context: HandlerContext<C> = { signal: signal ?? NEVER_ABORTED, emit };
      const handler = handlers[method as keyof Handlers<C>] as (p: unknown, c: HandlerContext<C>) => Promise<unknown>;
      let result = await handler(parsed.data, context);
      if (options.validateResults) {
        const checked = spec.result.safeParse(result);
        if (!checked.success) {
          throw new StudioError('internal/bug', `Handler for ${method} returned a result that breaks the contract: ${formatIssues(checked.error.issues)}`);
        }
        result = checked.data;
      }
      return { ok: true, result: result ?? null };
    } catch (error) {
      const serialized = toSerializedError(error);
      if (serialized.code === 'internal/bug') {
        options.onBug?.(method, error);
      }
      return { ok: false, error: serialized };
    }
  }

  return {
    dispatch,
    emit,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
