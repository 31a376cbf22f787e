/**
 * Pan and zoom of the pipeline canvas, driven by d3-zoom (mouse, wheel, touch) and by the
 * keyboard and toolbar. d3 stays in this folder and renderer/plots/; components get an attachment.
 */
import { select, zoom, zoomIdentity } from 'd3';

import { fitTransform } from './canvas-fit';

import type { Selection, ZoomBehavior } from 'd3';
import type { Bounds, Insets } from './canvas-fit';

export interface ViewTransform {
  readonly x: number;
  readonly y: number;
  /** Scale factor; 1 is 100 %. */
  readonly k: number;
}

const MIN_SCALE = 0.25;
const MAX_SCALE = 4;
const KEY_ZOOM_FACTOR = 1.25;
const KEY_PAN_PX = 48;

export class CanvasView {
  transform: ViewTransform = $state.raw({ x: 0, y: 0, k: 1 });
  readonly #behaviour: ZoomBehavior<SVGSVGElement, unknown>;
  #selection: Selection<SVGSVGElement, unknown, null, undefined> | null = null;

  constructor() {
    this.#behaviour = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, MAX_SCALE])
      .on('zoom', (event: { transform: ViewTransform }) => {
        const { x, y, k } = event.transform;
        this.transform = { x, y, k };
      });
  }

  /** `{@attach view.attach}` on the canvas's <svg>. */
  attach = (svg: SVGSVGElement): (() => void) => {
    const selection = select(svg);
    // Double-click is kept free for the editor (it will add or open nodes).
    selection.call(this.#behaviour).on('dblclick.zoom', null);
    this.#selection = selection;
    return () => {
      selection.on('.zoom', null);
      this.#selection = null;
    };
  };

  zoomBy(factor: number): void {
    if (this.#selection !== null) this.#behaviour.scaleBy(this.#selection, factor);
  }

  panBy(dxPx: number, dyPx: number): void {
    if (this.#selection !== null) this.#behaviour.translateBy(this.#selection, dxPx / this.transform.k, dyPx / this.transform.k);
  }

  /** Shows `bounds` (canvas coordinates) in the space the insets leave. */
  fit(bounds: Bounds, insets: Insets): void {
    const svg = this.#selection?.node();
    if (svg === null || svg === undefined || this.#selection === null) return;
    const box = svg.getBoundingClientRect();
    const next = fitTransform(bounds, box, insets, MIN_SCALE);
    if (next !== null) this.#behaviour.transform(this.#selection, zoomIdentity.translate(next.x, next.y).scale(next.k));
  }

  reset(): void {
    if (this.#selection !== null) this.#behaviour.transform(this.#selection, zoomIdentity);
  }

  /** Keyboard: + and − zoom, 0 resets, arrows pan. Returns whether the key was used. */
  handleKey(key: string): boolean {
    const actions: Record<string, () => void> = {
      '+': () => this.zoomBy(KEY_ZOOM_FACTOR),
      '=': () => this.zoomBy(KEY_ZOOM_FACTOR),
      '-': () => this.zoomBy(1 / KEY_ZOOM_FACTOR),
      '0': () => this.reset(),
      ArrowLeft: () => this.panBy(KEY_PAN_PX, 0),
      ArrowRight: () => this.panBy(-KEY_PAN_PX, 0),
      ArrowUp: () => this.panBy(0, KEY_PAN_PX),
      ArrowDown: () => this.panBy(0, -KEY_PAN_PX),
    };
    const action = actions[key];
    if (action === undefined) return false;
    action();
    return true;
  }
}
