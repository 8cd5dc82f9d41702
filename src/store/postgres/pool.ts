import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { ValidationError } from "../../errors.js";
import { postgresStore, type PostgresStore, type PostgresStoreOptions } from "./store.js";

export interface PoolOptions {
  /** Most connections open at once (the seed's WithMaxOpenConns). Default 10. */
  max?: number;
  /** Connections kept open while idle; idle ones beyond this close after `idleTimeoutMs` (pg's nearest to the
   *  seed's WithMaxIdleConns). Default 0. */
  minIdle?: number;
  /** Close a connection idle this long. Default 30 s. */
  idleTimeoutMs?: number;
  /** Retire a connection after this age, so load balancers and failovers are followed (WithConnMaxLifetime). Default 30 min; 0 = never. */
  maxLifetimeSeconds?: number;
  /** Give up connecting after this long (503 instead of hanging). Default 5 s. */
  connectionTimeoutMs?: number;
  /** Server-side `statement_timeout` for every statement. Default 15 s; 0 = none. Behind PgBouncer this startup
   *  parameter needs `ignore_startup_parameters = statement_timeout` or a server-side default instead. */
  statementTimeoutMs?: number;
  /** Client-side bound on one query's wait, including queueing for a connection. Default none. */
  queryTimeoutMs?: number;
  /** Called with errors of idle connections (e.g. the server closed them); they never crash the process. */
  onIdleError?: (err: Error) => void;
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new ValidationError("invalid_config", `${name} must be a non-negative integer`);
  return v;
}

/**
 * A `pg.Pool` that survives a real network: bounded connect time, a server-side statement timeout, retired
 * old connections, and idle-connection errors handled (pg emits them on the pool, and an unhandled one would
 * crash the process).
 */
export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const max = nonNegativeInteger("pool.max", options.max, 10);
  if (max < 1) throw new ValidationError("invalid_config", "pool.max must be at least 1");
  const statementTimeout = nonNegativeInteger("pool.statementTimeoutMs", options.statementTimeoutMs, 15_000);
  const queryTimeout = options.queryTimeoutMs === undefined ? undefined : nonNegativeInteger("pool.queryTimeoutMs", options.queryTimeoutMs, 0);
  const pool = new pg.Pool({
    connectionString,
    max,
    min: nonNegativeInteger("pool.minIdle", options.minIdle, 0),
    idleTimeoutMillis: nonNegativeInteger("pool.idleTimeoutMs", options.idleTimeoutMs, 30_000),
    maxLifetimeSeconds: nonNegativeInteger("pool.maxLifetimeSeconds", options.maxLifetimeSeconds, 1_800),
    connectionTimeoutMillis: nonNegativeInteger("pool.connectionTimeoutMs", options.connectionTimeoutMs, 5_000),
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    ...(queryTimeout ? { query_timeout: queryTimeout } : {}),
  });
  pool.on("error", options.onIdleError ?? (() => {}));
  return pool;
}

/**
 * Creates the store from a connection string (`postgres://user:password@host:5432/db?sslmode=require`), with a
 * pool built by `createPool`. `close()` ends the pool.
 *
 * @example
 * ```ts
 * const store = createPostgresStore(process.env.DATABASE_URL!, { pool: { max: 25 } });
 * await store.migrate();
 * ```
 */
export function createPostgresStore(
  connectionString: string,
  options: PostgresStoreOptions & { pool?: PoolOptions } = {},
): PostgresStore {
  const pool = createPool(connectionString, options.pool);
  return postgresStore(drizzle(pool), { ...options, close: options.close ?? (() => pool.end()) });
}
