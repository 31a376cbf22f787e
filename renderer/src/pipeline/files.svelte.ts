/**
 * Opening and saving `.spvit.json` files: the file dialog's state (folder listing, recent files),
 * the unsaved-changes prompt before anything replaces the document, and the replace prompt when
 * "Save as" names an existing file.
 */
import { EditorDocumentSchema } from '../../../core/api/contracts/pipeline';
import { isStudioError } from '../../../core/shared/errors';
import { toShownError } from '../state/errors';

import { emptyDocument } from './document-ops';

import type { ResultOf } from '../../../core/api/define';
import type { StudioClient, StudioContract } from '../boot/studio-client';
import type { ShownError } from '../state/errors';
import type { PipelineEditor } from './editor.svelte';

export type FolderListing = ResultOf<StudioContract, 'pipeline.browse'>;
export type RecentFile = ResultOf<StudioContract, 'pipeline.recent'>['files'][number];

export const PIPELINE_SUFFIX = '.spvit.json';

/** "my pipeline" -> "my-pipeline.spvit.json"; names that already end right are kept. */
export function pipelineFileName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.endsWith(PIPELINE_SUFFIX)) return trimmed;
  const stem = trimmed.replace(/\.json$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${stem || 'pipeline'}${PIPELINE_SUFFIX}`;
}

export function joinPath(dir: string, name: string): string {
  return name.startsWith('/') ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}

export class EditorFiles {
  dialog: 'open' | 'save' | null = $state(null);
  listing: FolderListing | null = $state.raw(null);
  recent: readonly RecentFile[] = $state.raw([]);
  busy = $state(false);
  error: ShownError | null = $state.raw(null);
  /** An action waiting for the user to say what happens to unsaved changes. */
  pendingDiscard: { readonly label: string; readonly proceed: () => void } | null = $state.raw(null);
  /** "Save as" named an existing file: waiting for consent to replace it. */
  pendingReplace: string | null = $state(null);
  readonly #client: StudioClient;
  readonly #editor: PipelineEditor;

  constructor(client: StudioClient, editor: PipelineEditor) {
    this.#client = client;
    this.#editor = editor;
  }

  /** Runs `action` now, or after the user chose to save or discard unsaved changes. */
  guard(label: string, action: () => void): void {
    if (!this.#editor.dirty) {
      action();
      return;
    }
    this.pendingDiscard = { label, proceed: action };
  }

  async resolveDiscard(choice: 'save' | 'discard' | 'cancel'): Promise<void> {
    const pending = this.pendingDiscard;
    this.pendingDiscard = null;
    if (pending === null || choice === 'cancel') return;
    if (choice === 'save' && !(await this.save())) return;
    pending.proceed();
  }

  newDocument(): void {
    this.guard('start a new pipeline', () => this.#editor.load(emptyDocument(), null));
  }

  showOpen(): void {
    this.guard('open another pipeline', () => void this.#show('open'));
  }

  showSaveAs(): void {
    void this.#show('save');
  }

  close(): void {
    this.dialog = null;
    this.pendingReplace = null;
    this.error = null;
  }

  async #show(mode: 'open' | 'save'): Promise<void> {
    this.dialog = mode;
    this.error = null;
    await Promise.all([this.browse(this.#editor.path === null ? undefined : parentOf(this.#editor.path)), this.loadRecent()]);
  }

  async browse(dir?: string): Promise<void> {
    await this.#busy(async () => {
      this.listing = await this.#client.api.pipeline.browse(dir === undefined ? {} : { dir });
    });
  }

  async loadRecent(): Promise<void> {
    await this.#busy(async () => {
      this.recent = (await this.#client.api.pipeline.recent({})).files;
    });
  }

  async open(path: string): Promise<boolean> {
    return this.#busy(async () => {
      const opened = await this.#client.api.pipeline.open({ path });
      this.#editor.load(opened.document, opened.path);
      this.#editor.say({ tone: 'info', text: `Opened ${opened.path}.` });
      this.close();
    });
  }

  /** Saves to the current file, or asks for one. */
  async save(): Promise<boolean> {
    if (this.#editor.path === null) {
      this.showSaveAs();
      return false;
    }
    return this.saveAs(this.#editor.path, true);
  }

  async saveAs(path: string, overwrite = false): Promise<boolean> {
    const document = this.#editor.doc;
    this.pendingReplace = null;
    const ok = await this.#busy(async () => {
      try {
        const saved = await this.#client.api.pipeline.save({ path, document, overwrite });
        this.#editor.markSaved(saved.path, document);
        this.#editor.say({ tone: 'info', text: `Saved ${saved.path}.` });
        this.close();
      } catch (error) {
        if (isStudioError(error, 'input/invalid') && (error.details as { exists?: boolean } | undefined)?.exists === true) {
          this.pendingReplace = path;
          return;
        }
        throw error;
      }
    });
    return ok && this.pendingReplace === null;
  }

  /** A file the desktop host opened (double click, File menu): parsed here, checked by the backend. */
  openFromHost(path: string, contents: string): void {
    this.guard(`open ${path}`, () => {
      try {
        const parsed = EditorDocumentSchema.parse(JSON.parse(contents));
        this.#editor.load(parsed, path);
      } catch (error) {
        this.#editor.say({ tone: 'danger', text: `${path} is not a pipeline file: ${error instanceof Error ? error.message : String(error)}` });
      }
    });
  }

  async #busy(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    try {
      await action();
      this.error = null;
      return true;
    } catch (error) {
      this.error = toShownError(error);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}
