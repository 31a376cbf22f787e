/**
 * The error type of the board protocol and agent. It carries a studio error code, so
 * `isStudioError` (which checks by code) recognises it on either side, yet it needs no studio
 * module: the agent runs on the board with Node alone.
 */
import type { ErrorCode } from '../../../core/shared/errors';

export interface AgentErrorOptions {
  cause?: unknown;
  hint?: string;
}

export class AgentError extends Error {
  override readonly name = 'StudioError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: AgentErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

/** A frame that breaks the framing rules; the connection cannot continue after it. */
export class FrameError extends AgentError {
  constructor(message: string, options: AgentErrorOptions = {}) {
    super('protocol/bad-frame', message, options);
  }
}
