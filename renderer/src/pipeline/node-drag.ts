/**
 * d3-drag for the editor: nodes move with the pointer (in canvas coordinates, so zoom does not
 * matter), and a drag from an output port draws a wire that connects where it is dropped.
 */
import { drag, select } from 'd3';

import type { Point, PortRef } from './document-ops';

export interface NodeDragOptions {
  readonly nodeId: string;
  readonly positionOf: () => Point;
  readonly onStart: () => void;
  readonly onMove: (position: Point) => void;
  readonly onEnd: () => void;
}

function scene(element: Element): SVGGElement {
  return element.closest('g.scene') as SVGGElement;
}

/** `{@attach nodeDrag(...)}` on a node's <g>; drags that start on a port are left to the port. */
export function nodeDrag(options: NodeDragOptions): (element: SVGGElement) => () => void {
  return (element) => {
    const behaviour = drag<SVGGElement, unknown>()
      .container(() => scene(element))
      .filter((event: PointerEvent) => event.button === 0 && !(event.target as Element).closest('[data-port]'))
      .subject(() => options.positionOf())
      .on('start', () => options.onStart())
      .on('drag', (event: { x: number; y: number }) => options.onMove({ x: event.x, y: event.y }))
      .on('end', () => options.onEnd());
    select(element).call(behaviour);
    return () => {
      select(element).on('.drag', null);
    };
  };
}

export interface WireDragOptions {
  readonly from: PortRef;
  readonly start: () => Point;
  readonly onMove: (pointer: Point, target: PortRef | null) => void;
  /** target: the input port (or node, as `port: ''`) under the pointer on release. */
  readonly onEnd: (target: PortRef | null) => void;
}

/** What is under the pointer: an input port, or a node body (then any fitting input of it). */
function targetAt(clientX: number, clientY: number): PortRef | null {
  const element = document.elementFromPoint(clientX, clientY);
  const port = element?.closest<SVGElement>('[data-input-port]');
  if (port?.dataset['nodeId'] !== undefined && port.dataset['inputPort'] !== undefined) {
    return { node: port.dataset['nodeId'], port: port.dataset['inputPort'] };
  }
  const node = element?.closest<SVGElement>('[data-node-id]');
  return node?.dataset['nodeId'] === undefined ? null : { node: node.dataset['nodeId'], port: '' };
}

/** `{@attach wireDrag(...)}` on an output port. */
export function wireDrag(options: WireDragOptions): (element: SVGElement) => () => void {
  return (element) => {
    const behaviour = drag<SVGElement, unknown>()
      .container(() => scene(element))
      .subject(() => options.start())
      .on('drag', (event: { x: number; y: number; sourceEvent: PointerEvent }) => {
        options.onMove({ x: event.x, y: event.y }, targetAt(event.sourceEvent.clientX, event.sourceEvent.clientY));
      })
      .on('end', (event: { sourceEvent: PointerEvent }) => options.onEnd(targetAt(event.sourceEvent.clientX, event.sourceEvent.clientY)));
    select(element).call(behaviour);
    return () => {
      select(element).on('.drag', null);
    };
  };
}
