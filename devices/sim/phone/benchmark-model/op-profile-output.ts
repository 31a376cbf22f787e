/**
 * The op profiling section of benchmark_model (tensorflow's StatsCalculator output): Run Order,
 * Top by Computation Time, Summary by node type, then the timing footer. Tab-separated, right
 * aligned; builds before TF 2.13 have a [start] column.
 */
import { formatStatLine } from './tf-format';

export interface ProfiledNode {
  nodeType: string;
  name: string;
  /** Microseconds of this node in every regular run, in run order. */
  samplesUs: number[];
}

const TOP_COUNT = 10;

function ms(us: number): string {
  return (us / 1000).toFixed(3);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

function nodeRows(nodes: ProfiledNode[], options: { withStart: boolean; startsUs: number[]; totalUs: number }): string[] {
  const { withStart, startsUs, totalUs: total } = options;
  let cumulative = 0;
  return nodes.map((node, index) => {
    const avg = mean(node.samplesUs);
    cumulative += avg;
    const columns = [
      node.nodeType.padStart(24),
      ...(withStart ? [ms(startsUs[index]!).padStart(17)] : []),
      ms(node.samplesUs[0] ?? 0).padStart(9),
      ms(avg).padStart(9),
      `${((avg / total) * 100).toFixed(3)}%`.padStart(8),
      `${((cumulative / total) * 100).toFixed(3)}%`.padStart(8),
      '0.000'.padStart(10),
      '1'.padStart(9),
      node.name,
    ];
    return `\t${columns.join('\t')}`;
  });
}

function header(withStart: boolean): string {
  const columns = ['[node type]'.padStart(24), ...(withStart ? ['[start]'.padStart(17)] : []), '[first]'.padStart(9), '[avg ms]'.padStart(9), '[%]'.padStart(8), '[cdf%]'.padStart(8), '[mem KB]'.padStart(10), '[times called]', '[Name]'];
  return `\t${columns.join('\t')}`;
}

function summaryByType(nodes: ProfiledNode[]): string[] {
  const byType = new Map<string, { count: number; avgUs: number }>();
  for (const node of nodes) {
    const entry = byType.get(node.nodeType) ?? { count: 0, avgUs: 0 };
    entry.count += 1;
    entry.avgUs += mean(node.samplesUs);
    byType.set(node.nodeType, entry);
  }
  const rows = [...byType.entries()].sort((a, b) => b[1].avgUs - a[1].avgUs);
  const total = rows.reduce((sum, [, entry]) => sum + entry.avgUs, 0);
  let cumulative = 0;
  const lines = [`\t${['[Node type]'.padStart(24), '[count]'.padStart(9), '[avg ms]'.padStart(10), '[avg %]'.padStart(11), '[cdf %]'.padStart(11), '[mem KB]'.padStart(10), '[times called]'].join('\t')}`];
  for (const [nodeType, entry] of rows) {
    cumulative += entry.avgUs;
    const columns = [
      nodeType.padStart(24),
      String(entry.count).padStart(9),
      ms(entry.avgUs).padStart(10),
      `${((entry.avgUs / total) * 100).toFixed(3)}%`.padStart(11),
      `${((cumulative / total) * 100).toFixed(3)}%`.padStart(11),
      '0.000'.padStart(10),
      String(entry.count).padStart(9),
    ];
    lines.push(`\t${columns.join('\t')}`);
  }
  return lines;
}

/** The summarizer's text for `nodes` (without the section title line). */
export function formatOpProfile(nodes: ProfiledNode[], options: { withStartColumn: boolean }): string {
  const startsUs: number[] = [];
  let start = 0;
  for (const node of nodes) {
    startsUs.push(start);
    start += mean(node.samplesUs);
  }
  const runs = Math.max(0, ...nodes.map((node) => node.samplesUs.length));
  const runTotals = Array.from({ length: runs }, (_, run) => Math.round(nodes.reduce((sum, node) => sum + (node.samplesUs[run] ?? 0), 0)));
  const top = nodes
    .map((node, index) => ({ node, index }))
    .sort((a, b) => mean(b.node.samplesUs) - mean(a.node.samplesUs))
    .slice(0, TOP_COUNT);
  const totalUs = nodes.reduce((sum, node) => sum + mean(node.samplesUs), 0);
  const orderRows = nodeRows(nodes, { withStart: options.withStartColumn, startsUs, totalUs });
  // The top table accumulates its cdf in its own (sorted) order.
  const topRows = nodeRows(top.map(({ node }) => node), { withStart: options.withStartColumn, startsUs: top.map(({ index }) => startsUs[index]!), totalUs });
  return [
    '============================== Run Order ==============================',
    header(options.withStartColumn),
    ...orderRows,
    '',
    '============================== Top by Computation Time ==============================',
    header(options.withStartColumn),
    ...topRows,
    '',
    `Number of nodes executed: ${nodes.length}`,
    '============================== Summary by node type ==============================',
    ...summaryByType(nodes),
    '',
    `Timings (microseconds): ${formatStatLine(runTotals)}`,
    'Memory (bytes): count=0',
    `${nodes.length} nodes observed`,
    '',
  ].join('\n');
}
