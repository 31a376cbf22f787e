/**
 * What the canvas does with the pointer and the keyboard: add nodes dropped from the palette,
 * wires dragged from output ports (with the fitting inputs lit while dragging), and the keys.
 */
import { documentBounds } from './canvas-fit';
import { connectionProblem, findPort } from './connect-check';
import { findNode } from './document-ops';
import { canvasAction } from './shortcuts';

import type { CanvasView } from './canvas-view.svelte';
import type { Point, PortRef } from './document-ops';
import type { PipelineEditor } from './editor.svelte';

export const NODE_KIND_MIME = 'application/x-spvit-node-kind';

export interface Wire {
  readonly from: PortRef;
  readonly start: Point;
  readonly pointer: Point;
  readonly target: PortRef | null;
}

export class CanvasController {
  wire: Wire | null = $state.raw(null);
  readonly #editor: PipelineEditor;
  readonly #view: CanvasView;
  #svg: SVGSVGElement | null = null;

  constructor(editor: PipelineEditor, view: CanvasView) {
    this.#editor = editor;
    this.#view = view;
  }

  attach = (svg: SVGSVGElement): (() => void) => {
    this.#svg = svg;
    return () => {
      this.#svg = null;
    };
  };

  /** Client (page) coordinates to canvas coordinates. */
  toCanvas(clientX: number, clientY: number): Point {
    const box = this.#svg?.getBoundingClientRect() ?? { left: 0, top: 0 };
    const { x, y, k } = this.#view.transform;
    return { x: (clientX - box.left - x) / k, y: (clientY - box.top - y) / k };
  }

  /** The middle of what is on screen, nudged so nodes added in a row do not cover each other. */
  visibleCentre(): Point {
    const box = this.#svg?.getBoundingClientRect();
    const centre = box === undefined ? { x: 0, y: 0 } : this.toCanvas(box.left + box.width / 2, box.top + box.height / 2);
    const stacked = this.#editor.doc.nodes.filter((node) => node.position !== undefined && Math.abs(node.position.x + 104 - centre.x) < 40).length;
    return { x: centre.x + stacked * 28, y: centre.y + stacked * 28 };
  }

  /** Zooms and pans so every node shows, beside the palette. */
  fitContent(): void {
    const bounds = documentBounds(this.#editor.doc, this.#editor.heightOf);
    if (bounds !== null) this.#view.fit(bounds, { left: 212, top: 28, right: 28, bottom: 56 });
  }

  addFromPalette(kind: string): void {
    this.#editor.addNode(kind, this.visibleCentre());
  }

  onDragOver = (event: DragEvent): void => {
    if (event.dataTransfer?.types.includes(NODE_KIND_MIME) !== true) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };

  onDrop = (event: DragEvent): void => {
    const kind = event.dataTransfer?.getData(NODE_KIND_MIME);
    if (kind === undefined || kind === '') return;
    event.preventDefault();
    this.#editor.addNode(kind, this.toCanvas(event.clientX, event.clientY));
  };

  startWire(from: PortRef, start: Point): void {
    this.wire = { from, start, pointer: start, target: null };
  }

  moveWire(pointer: Point, target: PortRef | null): void {
    if (this.wire !== null) this.wire = { ...this.wire, pointer, target: this.#resolve(target) };
  }

  endWire(target: PortRef | null): void {
    const wire = this.wire;
    this.wire = null;
    // A click on a port, or a drop back on its own node: nothing to connect.
    if (wire === null || target === null || target.node === wire.from.node) return;
    const resolved = this.#resolve(target);
    if (resolved === null || resolved.port === '') {
      this.#editor.say({ tone: 'warning', text: `${target.node} has no input that takes a ${this.#typeOf(wire.from)}.` });
      return;
    }
    this.#editor.connect(wire.from, resolved);
  }

  /** Whether an input would accept the wire being dragged (null when no wire is). */
  accepts(to: PortRef): boolean | null {
    if (this.wire === null) return null;
    return connectionProblem(this.#editor.doc, this.#editor.palette.index, this.wire.from, to) === null;
  }

  #typeOf(from: PortRef): string {
    const node = findNode(this.#editor.doc, from.node);
    return (node === undefined ? undefined : findPort(this.#editor.palette.index, node.kind, 'outputs', from.port)?.type) ?? 'value';
  }

  /** A drop on a node's body picks its first input that fits (free and of the same type). */
  #resolve(target: PortRef | null): PortRef | null {
    if (target === null || target.port !== '' || this.wire === null) return target;
    const node = findNode(this.#editor.doc, target.node);
    const inputs = node === undefined ? [] : (this.#editor.palette.find(node.kind)?.inputs ?? []);
    const wire = this.wire;
    const fitting = inputs.find((input) => connectionProblem(this.#editor.doc, this.#editor.palette.index, wire.from, { node: target.node, port: input.name }) === null);
    const sameType = inputs.find((input) => input.type === this.#typeOf(wire.from));
    if (fitting !== undefined) return { node: target.node, port: fitting.name };
    return sameType === undefined ? target : { node: target.node, port: sameType.name };
  }

  /** Keys on the focused canvas; returns whether the key was used. */
  handleKey(event: KeyboardEvent): boolean {
    const action = canvasAction(event);
    const editor = this.#editor;
    const step = event.shiftKey ? 5 : 1;
    const moves: Partial<Record<NonNullable<typeof action>, [number, number]>> = {
      moveLeft: [-step, 0],
      moveRight: [step, 0],
      moveUp: [0, -step],
      moveDown: [0, step],
    };
    const move = action === null ? undefined : moves[action];
    if (move !== undefined) {
      if (editor.nudgeSelection(move[0], move[1])) return true;
      return this.#view.handleKey(event.key);
    }
    switch (action) {
      case 'delete':
        return editor.deleteSelection();
      case 'nextNode':
      case 'previousNode':
        return editor.cycleSelection(action === 'nextNode' ? 1 : -1);
      case 'deselect':
        if (editor.selectedNodeId === null && editor.selectedEdge === null) return false;
        editor.selectNode(null);
        return true;
      case 'layout':
        editor.autoLayout();
        return true;
      default:
        return this.#view.handleKey(event.key);
    }
  }
}
