/**
 * The Latency view: which table is shown (and which one it is compared with), which block type,
 * and the budget the solver turns into keep ratios. Follows finished profiles: a new table is shown.
 */
import { toShownError } from '../state/errors';
import { blockTypesOf } from '../plots/staircase-data';

import type { BudgetSolution, LutSummary } from '../../../core/api/contracts/luts';
import type { ResultOf } from '../../../core/api/define';
import type { StudioClient, StudioContract } from '../boot/studio-client';
import type { ShownError } from '../state/errors';

export type LoadedLut = ResultOf<StudioContract, 'luts.read'>;

export class LatencyViewState {
  luts: readonly LutSummary[] = $state.raw([]);
  current: LoadedLut | null = $state.raw(null);
  compare: LoadedLut | null = $state.raw(null);
  blockType = $state('block');
  budgetMs: number | null = $state(null);
  solution: BudgetSolution | null = $state.raw(null);
  solveError: ShownError | null = $state.raw(null);
  error: ShownError | null = $state.raw(null);
  loading = $state(false);
  readonly #client: StudioClient;
  /** Answers to older solves are dropped. */
  #solveCount = 0;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  /** A profile that finished shows its table. */
  attach(): () => void {
    return this.#client.on('jobs.changed', (job) => {
      if (job.kind !== 'latency-profile' || job.state !== 'succeeded') return;
      const path = (job.result as { path?: unknown } | undefined)?.path;
      void this.refresh().then(() => (typeof path === 'string' && this.current?.path !== path ? this.select(path) : undefined));
    });
  }

  async refresh(): Promise<void> {
    await this.#guard(async () => {
      this.luts = (await this.#client.api.luts.list({})).luts;
      const first = this.luts[0];
      if (this.current === null && first !== undefined) await this.select(first.path);
    });
  }

  async select(path: string): Promise<void> {
    await this.#guard(async () => {
      this.current = await this.#client.api.luts.read({ path });
      const types = blockTypesOf(this.current.lut);
      if (!types.includes(this.blockType)) this.blockType = types[0] ?? 'block';
      this.solution = null;
      this.solveError = null;
      // A starting budget: 70 % of the dense model's predicted latency.
      this.budgetMs = this.current.denseMs === null ? null : Number((this.current.denseMs * 0.7).toPrecision(3));
    });
    await this.solve();
  }

  async setCompare(path: string | null): Promise<void> {
    if (path === null) {
      this.compare = null;
      return;
    }
    await this.#guard(async () => {
      this.compare = await this.#client.api.luts.read({ path });
    });
  }

  async solve(): Promise<void> {
    const current = this.current;
    if (current === null || this.budgetMs === null || !(this.budgetMs > 0)) return;
    const ask = ++this.#solveCount;
    try {
      const solution = await this.#client.api.luts.solve({ path: current.path, budgetMs: this.budgetMs });
      if (ask !== this.#solveCount) return;
      this.solution = solution;
      this.solveError = null;
    } catch (error) {
      if (ask !== this.#solveCount) return;
      this.solution = null;
      this.solveError = toShownError(error);
    }
  }

  async #guard(action: () => Promise<void>): Promise<void> {
    this.loading = true;
    try {
      await action();
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.loading = false;
    }
  }
}
