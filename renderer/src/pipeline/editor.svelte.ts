/**
 * The pipeline being edited: the document under an undo stack, the selected node (shared with the
 * inspector) or edge, and every edit the canvas, palette, inspector and keyboard make. Edits that
 * break a rule are refused with the reason as a notice; validation follows each change.
 */
import { layeredLayout, planOrder } from './auto-layout';
import { apply, createStack, redo, seal, undo } from './command-stack';
import { connectionProblem } from './connect-check';
import * as ops from './document-ops';
import { nodeHeight, NODE_WIDTH } from './node-geometry';

import type { EditorDocument, EditorNode } from '../../../core/api/contracts/pipeline';
import type { SelectionState } from '../state/selection.svelte';
import type { ApplyOptions } from './command-stack';
import type { Point, PortRef } from './document-ops';
import type { PaletteState } from './palette.svelte';
import type { RunState } from './runs.svelte';
import type { ValidationState } from './validation.svelte';

export interface EditorNotice {
  readonly tone: 'info' | 'warning' | 'danger';
  readonly text: string;
}

export interface EditorParts {
  readonly palette: PaletteState;
  readonly validation: ValidationState;
  readonly runs: RunState;
  readonly selection: SelectionState;
}

const NUDGE_PX = 8;

export class PipelineEditor {
  stack = $state.raw(createStack(ops.emptyDocument()));
  doc: EditorDocument = $derived(this.stack.present);
  /** The document as last saved or opened; anything else is unsaved. */
  savedDoc: EditorDocument = $state.raw(this.stack.present);
  path: string | null = $state(null);
  dirty: boolean = $derived(this.stack.present !== this.savedDoc);
  selectedEdge: string | null = $state(null);
  notice: EditorNotice | null = $state.raw(null);
  /** Grows when the nodes were placed anew (opened, auto-laid-out): the canvas then fits them in view. */
  layoutVersion = $state(0);
  readonly palette: PaletteState;
  readonly validation: ValidationState;
  readonly runs: RunState;
  readonly #selection: SelectionState;

  constructor(parts: EditorParts) {
    this.palette = parts.palette;
    this.validation = parts.validation;
    this.runs = parts.runs;
    this.#selection = parts.selection;
  }

  get selectedNodeId(): string | null {
    const current = this.#selection.current;
    return current?.kind === 'node' && ops.findNode(this.doc, current.id) !== undefined ? current.id : null;
  }

  selectNode(id: string | null): void {
    this.selectedEdge = null;
    this.#selection.select(id === null ? null : { kind: 'node', id });
  }

  selectEdge(key: string | null): void {
    if (key !== null && this.selectedNodeId !== null) this.#selection.select(null);
    this.selectedEdge = key;
  }

  say(notice: EditorNotice | null): void {
    this.notice = notice;
  }

  heightOf = (nodeId: string): number => nodeHeight(this.palette.find(ops.findNode(this.doc, nodeId)?.kind ?? ''));

  positionOf(node: EditorNode): Point {
    return node.position ?? { x: 0, y: 0 };
  }

  /** Replaces the document (new, opened): a fresh undo stack, nothing unsaved. */
  load(document: EditorDocument, path: string | null): void {
    const placed = document.nodes.some((node) => node.position === undefined) ? this.#laidOut(document) : document;
    this.stack = createStack(placed);
    this.savedDoc = placed;
    this.path = path;
    this.selectNode(null);
    this.notice = null;
    this.runs.clear();
    this.layoutVersion += 1;
    void this.validation.check(placed);
  }

  markSaved(path: string, saved: EditorDocument): void {
    this.path = path;
    this.savedDoc = saved;
  }

  #commit(next: EditorDocument, options: ApplyOptions): void {
    this.stack = apply(this.stack, next, options);
    this.validation.schedule(next);
  }

  addNode(kind: string, at: Point): string | null {
    const spec = this.palette.find(kind);
    if (spec === undefined) {
      this.say({ tone: 'danger', text: `Unknown node kind '${kind}'.` });
      return null;
    }
    const id = ops.nextNodeId(this.doc, kind);
    const position = { x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - nodeHeight(spec) / 2) };
    this.#commit(ops.addNode(this.doc, { id, kind, position, config: structuredClone(spec.defaultConfig) }), { label: `Add ${spec.label}` });
    this.selectNode(id);
    this.say({ tone: 'info', text: `Added ${spec.label} as '${id}'.` });
    return id;
  }

  /** Deletes the selected node (with its edges) or the selected edge. */
  deleteSelection(): boolean {
    const nodeId = this.selectedNodeId;
    if (nodeId !== null) {
      this.#commit(ops.removeNodes(this.doc, [nodeId]), { label: `Delete ${nodeId}` });
      this.selectNode(null);
      this.say({ tone: 'info', text: `Deleted '${nodeId}'.` });
      return true;
    }
    if (this.selectedEdge !== null) {
      this.#commit(ops.disconnect(this.doc, this.selectedEdge), { label: 'Delete edge' });
      this.selectedEdge = null;
      return true;
    }
    return false;
  }

  moveNode(id: string, position: Point): void {
    this.#commit(ops.moveNode(this.doc, id, position), { label: `Move ${id}`, coalesceKey: `move:${id}` });
  }

  /** Ends a drag or a run of typing: the next edit is an undo step of its own. */
  seal(): void {
    this.stack = seal(this.stack);
  }

  nudgeSelection(dxSteps: number, dySteps: number): boolean {
    const node = this.selectedNodeId === null ? undefined : ops.findNode(this.doc, this.selectedNodeId);
    if (node === undefined) return false;
    const at = this.positionOf(node);
    this.moveNode(node.id, { x: at.x + dxSteps * NUDGE_PX, y: at.y + dySteps * NUDGE_PX });
    return true;
  }

  /** Connects two ports, or says why not; returns whether the edge was made. */
  connect(from: PortRef, to: PortRef): boolean {
    const problem = connectionProblem(this.doc, this.palette.index, from, to);
    if (problem !== null) {
      this.say({ tone: 'warning', text: problem });
      return false;
    }
    this.#commit(ops.connect(this.doc, from, to), { label: 'Connect' });
    this.say({ tone: 'info', text: `Connected ${from.node}.${from.port} to ${to.node}.${to.port}.` });
    return true;
  }

  /** Points an input at another output (or at none); the inspector's port pickers use it. */
  rewire(to: PortRef, from: PortRef | null): boolean {
    const current = ops.edgeInto(this.doc, to);
    const freed = current === undefined ? this.doc : ops.disconnect(this.doc, ops.edgeKey(current));
    if (from === null) {
      if (freed !== this.doc) this.#commit(freed, { label: 'Disconnect' });
      return true;
    }
    const problem = connectionProblem(freed, this.palette.index, from, to);
    if (problem !== null) {
      this.say({ tone: 'warning', text: problem });
      return false;
    }
    this.#commit(ops.connect(freed, from, to), { label: 'Connect' });
    return true;
  }

  disconnect(key: string): void {
    this.#commit(ops.disconnect(this.doc, key), { label: 'Delete edge' });
    if (this.selectedEdge === key) this.selectedEdge = null;
  }

  updateConfig(id: string, config: unknown, fieldKey: string): void {
    this.#commit(ops.setConfig(this.doc, id, config), { label: `Edit ${id}`, coalesceKey: `config:${id}:${fieldKey}` });
  }

  setLabel(id: string, label: string): void {
    this.#commit(ops.setLabel(this.doc, id, label), { label: `Rename ${id}`, coalesceKey: `label:${id}` });
  }

  setName(name: string): void {
    this.#commit(ops.setName(this.doc, name), { label: 'Rename pipeline', coalesceKey: 'name' });
  }

  undo(): void {
    this.stack = undo(this.stack);
    this.validation.schedule(this.stack.present);
  }

  redo(): void {
    this.stack = redo(this.stack);
    this.validation.schedule(this.stack.present);
  }

  autoLayout(): void {
    this.#commit(this.#laidOut(this.doc), { label: 'Auto-layout' });
    this.layoutVersion += 1;
  }

  #laidOut(document: EditorDocument): EditorDocument {
    return ops.placeNodes(document, layeredLayout(document, { order: planOrder(document), heightOf: (id) => nodeHeight(this.palette.find(ops.findNode(document, id)?.kind ?? '')) }));
  }

  /** Tab / Shift+Tab through the nodes in run order; false when leaving either end. */
  cycleSelection(step: 1 | -1): boolean {
    const ordered = planOrder(this.doc);
    if (ordered.length === 0) return false;
    const index = this.selectedNodeId === null ? -1 : ordered.indexOf(this.selectedNodeId);
    const next = index === -1 ? (step === 1 ? 0 : ordered.length - 1) : index + step;
    if (next < 0 || next >= ordered.length) return false;
    this.selectNode(ordered[next] ?? null);
    return true;
  }
}
