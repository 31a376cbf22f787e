/** Validation issues of one node, keyed by the form field they belong to. */
import type { PipelineIssue } from '../../../core/api/contracts/pipeline';

/**
 * 'config.spvit.epochs' -> 'spvit.epochs'; list items ('config.keepRatios[1]') also count for the
 * list ('keepRatios'), whose control shows them; 'config' itself is the root ('').
 */
export function configIssueMap(issues: readonly PipelineIssue[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (key: string, message: string): void => {
    map.set(key, [...(map.get(key) ?? []), message]);
  };
  for (const issue of issues) {
    if (issue.field !== 'config' && !issue.field.startsWith('config.') && !issue.field.startsWith('config[')) continue;
    const key = issue.field === 'config' ? '' : issue.field.slice('config.'.length);
    add(key, issue.message);
    const listKey = key.replace(/(\[\d+\])+$/, '');
    if (listKey !== key) add(listKey, issue.message);
  }
  return map;
}
