import { is } from "drizzle-orm";
import type { Logger } from "drizzle-orm/logger";
import { NodePgSession } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { rowsOf } from "./rows.js";

/** A hand-written statement (`$1…$n`) and the name it is prepared under. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

const asText = (value: string) => value;
/**
 * The types Drizzle's node-postgres session leaves as text (date, timestamp, timestamptz, interval and their
 * arrays, numeric[]) so that each column's `mapFromDriverValue` sees what it does under Drizzle's own queries.
 */
const textTypes = new Set([1082, 1114, 1184, 1186, 1182, 1115, 1185, 1187, 1231]);
const driverTypes = {
  getTypeParser: (oid: number, format?: "text" | "binary") => (textTypes.has(oid) ? asText : pg.types.getTypeParser(oid, format)),
} as pg.CustomTypesConfig;

/** Where hand-written statements run: a Drizzle database (or transaction), and whether to prepare them by name. */
export interface StatementTarget {
  readonly db: AnyPgDatabase;
  readonly preparedStatements: boolean;
}

interface NodePgSessionInternals {
  client: pg.Pool | pg.PoolClient | pg.Client;
  logger: Logger;
}

/**
 * Runs a statement through the Drizzle database's own session (so inside `transaction()` it joins the
 * transaction) — under its name, as a prepared statement each connection parses and plans once, unless the store
 * was made with `preparedStatements: false` (poolers that cannot carry them). The hot paths' multi-CTE statements
 * cost the database more to plan than to run.
 *
 * On node-postgres it goes straight to the session's client (pool, or the transaction's connection) with one
 * shared type configuration, after the session's logger: Drizzle's prepared-query object, built per call with
 * fresh closures, was a measurable share of the session check's CPU and garbage.
 */
export function runStatement(
  repos: StatementTarget,
  statement: Statement,
  params: unknown[],
): Promise<Record<string, unknown>[]> {
  const name = repos.preparedStatements ? statement.name : undefined;
  const session = repos.db._.session;
  if (is(session, NodePgSession)) {
    const { client, logger } = session as unknown as NodePgSessionInternals;
    logger.logQuery(statement.text, params);
    return client.query<Record<string, unknown>>({ name, text: statement.text, values: params, types: driverTypes }).then(rowsOf);
  }
  return session.prepareQuery({ sql: statement.text, params }, undefined, name, false).execute().then(rowsOf);
}
