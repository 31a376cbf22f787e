/** What the canvas draws besides the nodes themselves: linked inputs and issue counts per node. */
import type { EditorDocument, PipelineIssue } from '../../../core/api/contracts/pipeline';

export function linkedInputs(document: EditorDocument): ReadonlyMap<string, ReadonlySet<string>> {
  const linked = new Map<string, Set<string>>();
  for (const edge of document.edges) linked.set(edge.to.node, (linked.get(edge.to.node) ?? new Set()).add(edge.to.port));
  return linked;
}

export function issueCounts(issues: readonly PipelineIssue[]): ReadonlyMap<string, number> {
  const counts = new Map<string, number>();
  for (const issue of issues) if (issue.nodeId !== null) counts.set(issue.nodeId, (counts.get(issue.nodeId) ?? 0) + 1);
  return counts;
}

export const NO_PORTS: ReadonlySet<string> = new Set();
