import type { AnyPgDatabase } from "../../migrate/runner.js";
import { rowsOf } from "./rows.js";

/** A hand-written statement (`$1…$n`) and the name it is prepared under. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/**
 * Runs a statement through the Drizzle database's own session (so inside `transaction()` it joins the
 * transaction) — under its name, as a prepared statement each connection parses and plans once, unless the store
 * was made with `preparedStatements: false` (poolers that cannot carry them). The hot paths' multi-CTE statements
 * cost the database more to plan than to run.
 */
export async function runStatement(
  repos: { db: AnyPgDatabase; preparedStatements: boolean },
  statement: Statement,
  params: unknown[],
): Promise<Record<string, unknown>[]> {
  const name = repos.preparedStatements ? statement.name : undefined;
  const query = repos.db._.session.prepareQuery({ sql: statement.text, params }, undefined, name, false);
  return rowsOf(await query.execute());
}
