import type { Contract } from '../../core/api/contract';
import type { Handlers } from '../../core/api/define';

/** The handlers of a subset of the contract's methods; create-backend.ts checks that all are present. */
export type BackendHandlers<M extends keyof Handlers<Contract>> = Pick<Handlers<Contract>, M>;
