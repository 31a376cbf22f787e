export { contract } from './contract';
export type { Contract } from './contract';
export { createClient } from './client';
export type { Client, ApiProxy, CallOptions } from './client';
export { serve } from './server';
export type { Backend, ServeOptions } from './server';
export { createInMemoryTransport } from './in-memory-transport';
export type { Transport, Dispatcher, Reply } from './transport';
export type { Handlers, HandlerContext, ContractShape, MethodName, EventName } from './define';
