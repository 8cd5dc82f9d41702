import { type Column, getTableColumns } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** Both drivers answer `execute` with `{ rows }`; Drizzle's result type leaves that open. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  return (result as { rows: Record<string, unknown>[] }).rows;
}

const columnsOf = new WeakMap<PgTable, Map<string, Array<[key: string, source: string, column: Column]>>>();

/** `table`'s columns as (property, source column name with `prefix`, column), built once per table and prefix. */
function columnsWithPrefix(table: PgTable, prefix: string): Array<[string, string, Column]> {
  let byPrefix = columnsOf.get(table);
  if (!byPrefix) columnsOf.set(table, (byPrefix = new Map()));
  let columns = byPrefix.get(prefix);
  if (!columns) {
    columns = Object.entries(getTableColumns(table)).map(([key, column]): [string, string, Column] => [key, `${prefix}${column.name}`, column]);
    byPrefix.set(prefix, columns);
  }
  return columns;
}

/**
 * Maps a raw row (snake_case column names, driver values) of `table` to its typed Drizzle shape, for the few
 * statements written as raw SQL (data-modifying CTEs, recursive queries). `prefix` selects aliased columns.
 */
export function mapRow<T extends PgTable>(table: T, row: Record<string, unknown>, prefix = ""): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, source, column] of columnsWithPrefix(table, prefix)) {
    const value = row[source];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T["$inferSelect"];
}
