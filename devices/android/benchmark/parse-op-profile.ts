/**
 * The op profiling section of benchmark_model (`--enable_op_profiling=true`): the tables after
 * `Operator-wise Profiling Info for Regular Benchmark Runs:`. Columns are found by their header
 * names, so builds with and without the `[start]` column, tab-separated or space-aligned, all read
 * the same. The initialisation section (`Profiling Info for Benchmark Initialization:`) is skipped.
 */
import { parseStatsLine, splitBenchmarkLines } from './benchmark-lines';

import type { BenchmarkStats } from './benchmark-lines';

export interface OpProfileRow {
  nodeType: string;
  name: string;
  /** Start offset within a run (old builds only). */
  startMs: number | null;
  firstMs: number;
  avgMs: number;
  percent: number;
  cdfPercent: number;
  memKB: number | null;
  timesCalled: number;
}

export interface OpTypeSummaryRow {
  nodeType: string;
  count: number;
  avgMs: number;
  percent: number;
  cdfPercent: number;
  timesCalled: number;
}

export interface OpProfile {
  hasStartColumn: boolean;
  runOrder: OpProfileRow[];
  topByComputation: OpProfileRow[];
  summaryByNodeType: OpTypeSummaryRow[];
  nodesExecuted: number | null;
  /** `Timings (microseconds): count=...` of the profiled runs. */
  timings: BenchmarkStats | null;
}

const TABLE_TITLE = /^=+\s*(.+?)\s*=+$/;

function cells(line: string): string[] {
  const trimmed = line.replace(/^\t+/, '').trim();
  const parts = trimmed.includes('\t') ? trimmed.split('\t') : trimmed.split(/\s{2,}/);
  return parts.map((part) => part.trim()).filter((part, index, all) => part !== '' || index === all.length - 1);
}

function headerColumns(line: string): string[] {
  return [...line.matchAll(/\[([^\]]+)\]/g)].map((match) => match[1]!.toLowerCase().replace(/\s+/g, ' '));
}

function number(text: string | undefined): number {
  const value = Number((text ?? '').replace('%', ''));
  return Number.isFinite(value) ? value : Number.NaN;
}

interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

function readTables(lines: readonly string[]): { tables: Table[]; nodesExecuted: number | null; timings: BenchmarkStats | null } {
  const tables: Table[] = [];
  let current: Table | null = null;
  let nodesExecuted: number | null = null;
  let timings: BenchmarkStats | null = null;
  for (const line of lines) {
    const title = TABLE_TITLE.exec(line);
    if (title !== null) {
      current = { title: title[1]!.toLowerCase(), columns: [], rows: [] };
      tables.push(current);
      continue;
    }
    const executed = /^Number of nodes executed:\s*(\d+)/i.exec(line);
    if (executed !== null) {
      nodesExecuted = Number(executed[1]);
      current = null;
      continue;
    }
    if (/^Timings \(microseconds\):/i.test(line)) {
      timings = parseStatsLine(line);
      current = null;
      continue;
    }
    if (current === null || line === '') continue;
    if (current.columns.length === 0 && line.startsWith('[')) current.columns = headerColumns(line);
    else if (current.columns.length > 0) current.rows.push(cells(line));
  }
  return { tables, nodesExecuted, timings };
}

function toRows(table: Table | undefined): OpProfileRow[] {
  if (table === undefined) return [];
  const at = (name: string): number => table.columns.indexOf(name);
  return table.rows
    .filter((row) => row.length >= table.columns.length - 1)
    .map((row) => ({
      nodeType: row[at('node type')] ?? '',
      name: at('name') >= 0 ? row.slice(at('name')).join(' ') : '',
      startMs: at('start') >= 0 ? number(row[at('start')]) : null,
      firstMs: number(row[at('first')]),
      avgMs: number(row[at('avg ms')]),
      percent: number(row[at('%')]),
      cdfPercent: number(row[at('cdf%')]),
      memKB: at('mem kb') >= 0 ? number(row[at('mem kb')]) : null,
      timesCalled: number(row[at('times called')]),
    }))
    .filter((row) => row.nodeType !== '' && Number.isFinite(row.avgMs));
}

function toSummary(table: Table | undefined): OpTypeSummaryRow[] {
  if (table === undefined) return [];
  const at = (name: string): number => table.columns.indexOf(name);
  return table.rows
    .map((row) => ({
      nodeType: row[at('node type')] ?? '',
      count: number(row[at('count')]),
      avgMs: number(row[at('avg ms')]),
      percent: number(row[at('avg %')]),
      cdfPercent: number(row[at('cdf %')]),
      timesCalled: number(row[at('times called')]),
    }))
    .filter((row) => row.nodeType !== '' && Number.isFinite(row.avgMs));
}

/** null when the output has no op profiling section. */
export function parseOpProfile(raw: string): OpProfile | null {
  const lines = splitBenchmarkLines(raw);
  const start = lines.findIndex((line) => /^Operator-wise Profiling Info for Regular Benchmark Runs:?/i.test(line));
  if (start === -1) return null;
  const { tables, nodesExecuted, timings } = readTables(lines.slice(start + 1));
  const runOrder = tables.find((table) => table.title === 'run order');
  return {
    hasStartColumn: runOrder?.columns.includes('start') ?? false,
    runOrder: toRows(runOrder),
    topByComputation: toRows(tables.find((table) => table.title.startsWith('top by computation'))),
    summaryByNodeType: toSummary(tables.find((table) => table.title.startsWith('summary by node type'))),
    nodesExecuted,
    timings,
  };
}
