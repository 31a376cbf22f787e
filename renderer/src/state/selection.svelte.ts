/** What the inspector shows: the selected job or device, or nothing (then the backend's info). */
export type Selection = { readonly kind: 'job'; readonly runId: string } | { readonly kind: 'device'; readonly id: string };

export class SelectionState {
  current: Selection | null = $state.raw(null);

  select(selection: Selection | null): void {
    this.current = selection;
  }

  isSelected(selection: Selection): boolean {
    const current = this.current;
    if (current === null || current.kind !== selection.kind) return false;
    return current.kind === 'job'
      ? current.runId === (selection as { runId: string }).runId
      : current.id === (selection as { id: string }).id;
  }
}
