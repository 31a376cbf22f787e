/** Benchmark results as a text table or JSON lines. */
import type { BenchmarkResult } from './benchmark';

export function formatTable(results: readonly BenchmarkResult[]): string {
  const rows = results.map((result) => [result.name, String(result.value), result.unit]);
  const header = ['benchmark', 'value', 'unit'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]): string => cells.map((cell, column) => (column === 1 ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number))).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n') + '\n';
}

/** One JSON object per line: { name, value, unit, config }. */
export function formatJsonLines(results: readonly BenchmarkResult[]): string {
  return results.map((result) => JSON.stringify({ name: result.name, value: result.value, unit: result.unit, config: result.config })).join('\n') + '\n';
}
