import { type Column, getTableColumns } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** Both drivers answer `execute` with `{ rows }`; Drizzle's result type leaves that open. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  return (result as { rows: Record<string, unknown>[] }).rows;
}

/**
 * Maps a raw row (snake_case column names, driver values) of `table` to its typed Drizzle shape, for the few
 * statements written as raw SQL (data-modifying CTEs, recursive queries). `prefix` selects aliased columns.
 */
const columnsOf = new WeakMap<PgTable, Array<[string, Column]>>();

export function mapRow<T extends PgTable>(table: T, row: Record<string, unknown>, prefix = ""): T["$inferSelect"] {
  let columns = columnsOf.get(table);
  if (!columns) columnsOf.set(table, (columns = Object.entries(getTableColumns(table))));
  const out: Record<string, unknown> = {};
  for (const [key, column] of columns) {
    const value = row[`${prefix}${column.name}`];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T["$inferSelect"];
}
