import type { AnyPgDatabase } from "../../migrate/runner.js";
import { rowsOf } from "./rows.js";

/**
 * Hand-written SQL (`$1…$n`) run through the Drizzle database's own session (so inside `transaction()` it joins the
 * transaction) — as a named prepared statement when `name` is given, so that each connection parses and plans it
 * once. The hot paths' multi-CTE statements cost the database more to plan than to run; PgBouncer setups that
 * cannot carry prepared statements pass `preparedStatements: false` and get them unnamed.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export async function runStatement(
  repos: { db: AnyPgDatabase; preparedStatements: boolean },
  statement: Statement,
  params: unknown[],
): Promise<Record<string, unknown>[]> {
  const name = repos.preparedStatements ? statement.name : undefined;
  const query = repos.db._.session.prepareQuery({ sql: statement.text, params }, undefined, name, false);
  return rowsOf(await query.execute());
}
