/** Validation problems that point at a node and a field. */
import { StudioError } from '../shared/errors';

import type { z } from 'zod';

export interface PipelineIssue {
  /** The node the problem is in (null for the document itself). */
  nodeId: string | null;
  /** Path inside the node (config.spvit.epochs) or the document (edges[2].to.port). */
  field: string;
  message: string;
}

export function pathString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out.length === 0 ? String(part) : `.${String(part)}`;
  return out;
}

export function zodIssues(error: z.ZodError, nodeId: string | null, prefix: string): PipelineIssue[] {
  return error.issues.map((issue) => {
    const rest = pathString(issue.path);
    const field = prefix.length === 0 ? rest || '(root)' : rest.length === 0 ? prefix : rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
    return { nodeId, field, message: issue.message };
  });
}

export function invalidPipeline(issues: readonly PipelineIssue[], origin: string): StudioError {
  const shown = issues
    .slice(0, 6)
    .map((i) => `${i.nodeId === null ? '' : `node '${i.nodeId}' `}${i.field}: ${i.message}`)
    .join('; ');
  const more = issues.length > 6 ? ` (+${issues.length - 6} more)` : '';
  return new StudioError('input/invalid', `${origin} is not a valid pipeline: ${shown}${more}`, {
    details: { origin, issues: issues.map((i) => ({ ...i })) },
    hint: 'Fix the listed nodes and fields (the editor highlights them), then run again.',
  });
}
