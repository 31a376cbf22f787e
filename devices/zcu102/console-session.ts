/**
 * A live console: pumps the transport's bytes into the state machine, keeps numbered events and a
 * transcript (secrets redacted), and lets callers wait for an event, or for the console to go quiet.
 */
import { StudioError } from '../../core/shared/errors';
import { ConsoleMachine } from './protocol/console-machine';
import { raceDeadline, startDeadline } from './deadline';

import type { ConsoleEvent, ConsoleState } from './protocol/console-machine';
import type { Deadline, IoOptions } from './deadline';
import type { SerialConsoleTransport } from './transport';

const MAX_EVENTS = 4096;
const TRANSCRIPT_LINES = 120;
/** 115200 baud moves about 11 KB/s: any line we type is out in well under this. */
const WRITE_TIMEOUT_MS = 5_000;

export type WaitOutcome = { kind: 'event'; event: ConsoleEvent; seq: number } | { kind: 'idle' };

export interface WaitNextOptions {
  /** Only events numbered after this one. */
  after: number;
  /** Resolve with `idle` after this long without a byte from the board. */
  idleMs: number;
  deadline: Deadline;
}

export class ConsoleSession {
  readonly machine = new ConsoleMachine();
  private readonly events: ConsoleEvent[] = [];
  private firstSeq = 1;
  private readonly lines: string[] = [];
  private readonly secrets = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private lastActivityAt = Date.now();
  private ended: StudioError | null = null;
  private readonly pump: Promise<void>;

  constructor(private readonly transport: SerialConsoleTransport) {
    this.writer = transport.writable.getWriter();
    this.pump = this.readLoop();
  }

  get path(): string {
    return this.transport.stablePath;
  }

  get state(): ConsoleState {
    return this.machine.state;
  }

  /** Number of the latest event (0 before any). */
  get seq(): number {
    return this.firstSeq + this.events.length - 1;
  }

  /** Strings never shown in transcripts (session tokens, passwords). */
  addSecret(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }

  /** The last lines the board printed, redacted, for error details. */
  transcript(): string[] {
    const pending = this.machine.pendingLine;
    return [...this.lines, ...(pending === '' ? [] : [pending])].map((line) => this.redact(line));
  }

  /** Types text on the console; a port that does not take it within the timeout is an error. */
  async write(text: string, io: IoOptions = {}): Promise<void> {
    if (this.ended !== null) throw this.ended;
    this.lastActivityAt = Date.now();
    const deadline = this.deadline({ what: `writing to the console ${this.path}`, timeoutMs: io.timeoutMs ?? WRITE_TIMEOUT_MS }, io.signal);
    try {
      await raceDeadline(this.writer.write(new TextEncoder().encode(text)), deadline);
    } finally {
      deadline.dispose();
    }
  }

  /** The next event after `options.after`, or `idle` when the board has been quiet for idleMs. */
  waitNext(options: WaitNextOptions): Promise<WaitOutcome> {
    return new Promise<WaitOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const finish = (outcome: WaitOutcome | Error): void => {
        this.listeners.delete(check);
        options.deadline.signal.removeEventListener('abort', onAbort);
        if (timer !== null) clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const check = (): void => {
        const seq = Math.max(options.after + 1, this.firstSeq);
        const event = this.events[seq - this.firstSeq];
        if (event !== undefined) finish({ kind: 'event', event, seq });
        else if (this.ended !== null) finish(this.ended);
      };
      const calledAt = Date.now();
      // Quiet time counts from the call at the earliest, so back-to-back waits cannot spin.
      const armIdle = (): void => {
        const quietMs = Date.now() - Math.max(this.lastActivityAt, calledAt);
        if (quietMs >= options.idleMs) finish({ kind: 'idle' });
        else timer = setTimeout(armIdle, options.idleMs - quietMs);
      };
      const onAbort = (): void => finish(options.deadline.signal.reason as Error);
      if (options.deadline.signal.aborted) {
        onAbort();
        return;
      }
      options.deadline.signal.addEventListener('abort', onAbort, { once: true });
      this.listeners.add(check);
      check();
      if (this.listeners.has(check)) armIdle();
    });
  }

  /** Starts a deadline whose timeout error carries this console's transcript. */
  deadline(spec: { what: string; timeoutMs: number; hint?: string }, signal: AbortSignal | undefined): Deadline {
    return startDeadline({ ...spec, details: () => ({ path: this.path, state: this.state, transcript: this.transcript() }) }, signal);
  }

  /** An error about this console, with the transcript attached. */
  error(code: StudioError['code'], message: string, hint?: string): StudioError {
    const details = { path: this.path, state: this.state, transcript: this.transcript() };
    return new StudioError(code, message, hint === undefined ? { details } : { details, hint });
  }

  async close(): Promise<void> {
    this.ended ??= new StudioError('device/disconnected', 'The console was closed.');
    this.writer.releaseLock();
    await this.transport.close();
    await this.pump;
  }

  private async readLoop(): Promise<void> {
    const reader = this.transport.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.lastActivityAt = Date.now();
        this.record(this.machine.feed(value));
      }
      this.ended ??= new StudioError('device/disconnected', `The console ${this.path} closed.`);
    } catch (error) {
      this.ended ??= error instanceof StudioError ? error : new StudioError('device/disconnected', `The console ${this.path} failed.`, { cause: error });
    } finally {
      reader.releaseLock();
      for (const listener of [...this.listeners]) listener();
    }
  }

  private record(events: ConsoleEvent[]): void {
    for (const event of events) {
      if (event.kind === 'line') {
        this.lines.push(event.text);
        if (this.lines.length > TRANSCRIPT_LINES) this.lines.shift();
      }
      this.events.push(event);
    }
    if (this.events.length > MAX_EVENTS) {
      const drop = this.events.length - MAX_EVENTS;
      this.events.splice(0, drop);
      this.firstSeq += drop;
    }
    for (const listener of [...this.listeners]) listener();
  }

  private redact(line: string): string {
    let result = line;
    for (const secret of this.secrets) result = result.split(secret).join('<redacted>');
    return result;
  }
}
