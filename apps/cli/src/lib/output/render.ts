import Table from 'cli-table3';
import { stringify } from 'yaml';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A table column: its header and how to read a cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rows as a table (for people), or the data itself as JSON or YAML (for scripts). */
export function renderList<T>(rows: T[], columns: Column<T>[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(rows, null, 2);
  if (format === 'yaml') return stringify(rows).trimEnd();
  if (rows.length === 0) return '(none)';
  const table = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => cell(c.value(row))));
  return table.toString();
}

/** One object: JSON or YAML as asked, else `key: value` lines of the fields given. */
export function renderObject<T extends object>(value: T, fields: Column<T>[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(value, null, 2);
  if (format === 'yaml') return stringify(value).trimEnd();
  const width = Math.max(...fields.map((f) => f.header.length));
  return fields
    .map((f) => [f.header, cell(f.value(value))] as const)
    .filter(([, v]) => v !== '')
    .map(([h, v]) => `${h.padEnd(width)}  ${v}`)
    .join('\n');
}
