/** A typed client over any Transport: `api.call('devices.list', {})` or `api.devices.list({})`. */
import type { AbortSignalLike } from '../shared/abort';
import { fromSerializedError, StudioError } from '../shared/errors';

import type {
  ContractShape,
  EventName,
  EventPayload,
  MethodName,
  ParamsIn,
  ResultOf,
} from './define';
import type { Transport } from './transport';

export interface CallOptions {
  signal?: AbortSignalLike;
}

type DomainOf<M extends string> = M extends `${infer D}.${string}` ? D : never;

export type DomainProxy<C extends ContractShape, D extends string> = {
  [M in MethodName<C> as M extends `${D}.${infer V}` ? V : never]: (
    params: ParamsIn<C, M>,
    options?: CallOptions,
  ) => Promise<ResultOf<C, M>>;
};

export type ApiProxy<C extends ContractShape> = {
  [D in DomainOf<MethodName<C>>]: DomainProxy<C, D>;
};

export interface Client<C extends ContractShape> {
  call<M extends MethodName<C>>(method: M, params: ParamsIn<C, M>, options?: CallOptions): Promise<ResultOf<C, M>>;
  on<E extends EventName<C>>(event: E, listener: (payload: EventPayload<C, E>) => void): () => void;
  readonly api: ApiProxy<C>;
}

export interface ClientOptions {
  /** Parse results and events against the contract (on in development and tests). */
  validate?: boolean;
}

export function createClient<C extends ContractShape>(
  contract: C,
  transport: Transport,
  options: ClientOptions = {},
): Client<C> {
  async function call<M extends MethodName<C>>(
    method: M,
    params: ParamsIn<C, M>,
    callOptions: CallOptions = {},
  ): Promise<ResultOf<C, M>> {
    const reply = await transport.request(method, params, callOptions.signal);
    if (!reply.ok) {
      throw fromSerializedError(reply.error);
    }
    if (!options.validate) {
      return reply.result as ResultOf<C, M>;
    }
    const parsed = contract.methods[method]!.result.safeParse(reply.result);
    if (!parsed.success) {
      throw new StudioError('internal/bug', `The backend's reply to ${method} breaks the contract.`, {
        details: { issues: parsed.error.issues.map((i) => i.message) },
      });
    }
    return parsed.data as ResultOf<C, M>;
  }

  function on<E extends EventName<C>>(event: E, listener: (payload: EventPayload<C, E>) => void): () => void {
    return transport.subscribe(event, (payload) => listener(payload as EventPayload<C, E>));
  }

  const api = new Proxy({} as ApiProxy<C>, {
    get(_target, domain) {
      if (typeof domain !== 'string') return undefined;
      return new Proxy({}, {
        get(_inner, verb) {
          if (typeof verb !== 'string') return undefined;
          return (params: unknown, callOptions?: CallOptions) =>
            call(`${domain}.${verb}` as MethodName<C>, params as never, callOptions);
        },
      });
    },
  });

  return { call, on, api };
}
