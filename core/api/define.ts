/** Building blocks of the contract: methods and events declared once as zod schemas. */
import type { z } from 'zod';

import type { AbortSignalLike } from '../shared/abort';

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly params: P;
  readonly result: R;
  /** One line for `--help`, the UI's tooltips and the docs. */
  readonly description: string;
}

export interface ContractShape {
  readonly methods: Readonly<Record<string, MethodSpec>>;
  readonly events: Readonly<Record<string, z.ZodType>>;
}

export function method<P extends z.ZodType, R extends z.ZodType>(spec: {
  params: P;
  result: R;
  description: string;
}): MethodSpec<P, R> {
  return spec;
}

export type MethodName<C extends ContractShape> = keyof C['methods'] & string;
export type EventName<C extends ContractShape> = keyof C['events'] & string;

/** What a caller passes (before defaults are applied). */
export type ParamsIn<C extends ContractShape, M extends MethodName<C>> = z.input<
  C['methods'][M]['params']
>;
/** What a handler receives (after parsing and defaults). */
export type ParamsOut<C extends ContractShape, M extends MethodName<C>> = z.output<
  C['methods'][M]['params']
>;
export type ResultOf<C extends ContractShape, M extends MethodName<C>> = z.output<
  C['methods'][M]['result']
>;
export type EventPayload<C extends ContractShape, E extends EventName<C>> = z.output<
  C['events'][E]
>;

export interface HandlerContext<C extends ContractShape> {
  /** Fires when the caller cancels or disconnects. */
  readonly signal: AbortSignalLike;
  emit<E extends EventName<C>>(event: E, payload: EventPayload<C, E>): void;
}

/** One handler per method; a missing or extra one is a compile error. */
export type Handlers<C extends ContractShape> = {
  [M in MethodName<C>]: (
    params: ParamsOut<C, M>,
    context: HandlerContext<C>,
  ) => Promise<z.input<C['methods'][M]['result']>>;
};
