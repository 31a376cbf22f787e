/**
 * The board agent: a TCP server on the board that speaks the frame protocol, checks the session
 * token, keeps packages (hash-checked) and hands work to a BoardRuntime. Node only, no studio deps:
 * this folder and ../protocol are what gets copied to the board.
 */
import { createServer } from 'node:net';

import { AgentConnection } from './agent-connection';

import type { Server, Socket } from 'node:net';
import type { ActivePackageInfo, BoardIdentity } from '../protocol/board-types';
import type { BoardRuntime } from './board-runtime';
import type { PackageStore } from './package-store';

export interface BoardAgentLimits {
  maxConnections: number;
  /** A connection must say hello with the token within this time. */
  helloTimeoutMs: number;
  /** A frame that has started must finish arriving within this time. */
  frameTimeoutMs: number;
  maxPayloadBytes: number;
}

export const DEFAULT_AGENT_LIMITS: BoardAgentLimits = {
  maxConnections: 8,
  helloTimeoutMs: 10_000,
  frameTimeoutMs: 30_000,
  maxPayloadBytes: 4 * 1024 * 1024,
};

export interface BoardAgentOptions {
  runtime: BoardRuntime;
  store: PackageStore;
  token: string;
  board: BoardIdentity;
  host: string;
  port: number;
  limits?: Partial<BoardAgentLimits>;
  log?: (line: string) => void;
}

/** What connections share: the runtime (one accelerator, so one job at a time) and the active package. */
export class AgentState {
  activePackage: ActivePackageInfo | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: BoardAgentOptions, readonly limits: BoardAgentLimits) {}

  /** Runs jobs on the accelerator one after another. */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => {
      // The caller sees the failure through `result`; the queue only orders the jobs.
    });
    return result;
  }

  log(line: string): void {
    this.options.log?.(line);
  }
}

export class BoardAgent {
  private readonly connections = new Set<AgentConnection>();

  private constructor(private readonly server: Server, private readonly state: AgentState) {}

  /** Loads the stored active package (if any), then listens. */
  static async start(options: BoardAgentOptions): Promise<BoardAgent> {
    const state = new AgentState(options, { ...DEFAULT_AGENT_LIMITS, ...options.limits });
    await loadStoredPackage(state);
    const server = createServer();
    const agent = new BoardAgent(server, state);
    server.on('connection', (socket) => agent.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => state.log(`server error: ${error.message}`));
    return agent;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get activePackage(): ActivePackageInfo | null {
    return this.state.activePackage;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.state.limits.maxConnections) {
      socket.destroy();
      return;
    }
    const connection = new AgentConnection(socket, this.state);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }
}

async function loadStoredPackage(state: AgentState): Promise<void> {
  const { store, runtime } = state.options;
  const stored = await store.open();
  if (stored === null) return;
  try {
    const bytes = await store.readPackage(stored);
    state.activePackage = await runtime.load({ bytes, sha256: stored.sha256 });
  } catch (error) {
    // The agent still starts, with no active package, so the studio can upload a good one.
    state.log(`the stored package ${stored.sha256.slice(0, 12)} could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
  }
}
