/** What the inspector shows: the selected pipeline node, job or device, or nothing (then the backend's info). */
export type Selection =
  | { readonly kind: 'job'; readonly runId: string }
  | { readonly kind: 'device'; readonly id: string }
  | { readonly kind: 'node'; readonly id: string };

function keyOf(selection: Selection): string {
  return selection.kind === 'job' ? `job:${selection.runId}` : `${selection.kind}:${selection.id}`;
}

export class SelectionState {
  current: Selection | null = $state.raw(null);

  select(selection: Selection | null): void {
    this.current = selection;
  }

  isSelected(selection: Selection): boolean {
    return this.current !== null && keyOf(this.current) === keyOf(selection);
  }
}
