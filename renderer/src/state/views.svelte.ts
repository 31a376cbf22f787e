/** Which main view fills the centre: the pipeline editor, or one of the studio's dashboards. */
export const MAIN_VIEWS = [
  { id: 'pipeline', label: 'Pipeline' },
  { id: 'latency', label: 'Latency' },
  { id: 'training', label: 'Training' },
  { id: 'tokens', label: 'Token maps' },
  { id: 'deploy', label: 'Deploy' },
] as const;

export type MainView = (typeof MAIN_VIEWS)[number]['id'];

export class ViewsState {
  current: MainView = $state('pipeline');

  show(view: MainView): void {
    this.current = view;
  }
}
