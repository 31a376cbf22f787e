/**
 * Validation while editing: the document goes to pipeline.validate a moment after each change, and
 * the issues (node and field) and the run order come back. Answers to older documents are dropped.
 */
import { toShownError } from '../state/errors';

import type { EditorDocument, PipelineIssue } from '../../../core/api/contracts/pipeline';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from '../state/errors';

const DEBOUNCE_MS = 150;

export class ValidationState {
  issues: readonly PipelineIssue[] = $state.raw([]);
  order: readonly string[] = $state.raw([]);
  /** The document the issues are for. */
  checked: EditorDocument | null = $state.raw(null);
  error: ShownError | null = $state.raw(null);
  readonly #client: StudioClient;
  #timer: number | null = null;
  #latest: EditorDocument | null = null;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  schedule(document: EditorDocument): void {
    this.#latest = document;
    if (this.#timer !== null) window.clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => {
      this.#timer = null;
      void this.check(document);
    }, DEBOUNCE_MS);
  }

  async check(document: EditorDocument): Promise<void> {
    this.#latest = document;
    try {
      const { issues, order } = await this.#client.api.pipeline.validate({ document });
      if (this.#latest !== document) return;
      this.issues = issues;
      this.order = order;
      this.checked = document;
      this.error = null;
    } catch (error) {
      if (this.#latest === document) this.error = toShownError(error);
    }
  }

  forNode(nodeId: string): PipelineIssue[] {
    return this.issues.filter((issue) => issue.nodeId === nodeId);
  }
}
