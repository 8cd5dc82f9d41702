import { drizzle } from "drizzle-orm/node-postgres";
import { ValidationError } from "../../errors.js";
import { BoundedPool } from "./bounded-pool.js";
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
  /**
   * Queries and transactions that may wait for a connection when all `max` are busy; beyond this a new one fails at
   * once with 503 `unavailable` instead of queueing without bound (a slow database must not pile up requests and
   * memory). Default 8 × `max`. A waiter also gives up after `connectionTimeoutMs`.
   */
  maxWaiting?: number;
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
export function createPool(connectionString: string, options: PoolOptions = {}): BoundedPool {
  const max = nonNegativeInteger("pool.max", options.max, 10);
  if (max < 1) throw new ValidationError("invalid_config", "pool.max must be at least 1");
  const { url, pgbouncer } = readPoolerFlag(connectionString);
  if (pgbouncer && options.statementTimeoutMs) {
    throw new ValidationError(
      "invalid_config",
      "pool.statementTimeoutMs cannot be sent through PgBouncer (it refuses the statement_timeout startup parameter): set statement_timeout on the database role (ALTER ROLE … SET statement_timeout) instead",
      { details: { field: "pool.statementTimeoutMs" } },
    );
  }
  const statementTimeout = pgbouncer ? 0 : nonNegativeInteger("pool.statementTimeoutMs", options.statementTimeoutMs, 15_000);
  const queryTimeout = options.queryTimeoutMs === undefined ? undefined : nonNegativeInteger("pool.queryTimeoutMs", options.queryTimeoutMs, 0);
  const maxWaiting = nonNegativeInteger("pool.maxWaiting", options.maxWaiting, 8 * max);
  const pool = new BoundedPool({
    connectionString: url,
    max,
    min: nonNegativeInteger("pool.minIdle", options.minIdle, 0),
    idleTimeoutMillis: nonNegativeInteger("pool.idleTimeoutMs", options.idleTimeoutMs, 30_000),
    maxLifetimeSeconds: nonNegativeInteger("pool.maxLifetimeSeconds", options.maxLifetimeSeconds, 1_800),
    connectionTimeoutMillis: nonNegativeInteger("pool.connectionTimeoutMs", options.connectionTimeoutMs, 5_000),
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    ...(queryTimeout ? { query_timeout: queryTimeout } : {}),
  }, maxWaiting);
  pool.on("error", options.onIdleError ?? (() => {}));
  return pool;
}

/**
 * Creates the store from a connection string (`postgres://user:password@host:5432/db?sslmode=require`), with a
 * pool built by `createPool`. `close()` ends the pool at once, closing connections still busy (a query stuck past a shutdown's drain fails).
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
  const { pgbouncer } = readPoolerFlag(connectionString);
  if (pgbouncer && options.preparedStatements) {
    throw new ValidationError("invalid_config", "pgbouncer=true in the connection string turns prepared statements off; drop preparedStatements: true or the flag", { details: { field: "preparedStatements" } });
  }
  return postgresStore(drizzle(pool), {
    ...options,
    ...(pgbouncer ? { preparedStatements: false } : {}),
    close: options.close ?? (() => pool.endNow()),
  });
}

/**
 * `pgbouncer=true` in a connection string (Prisma's convention): the server is reached through PgBouncer in
 * transaction mode, so no named prepared statements and no `statement_timeout` startup parameter. The flag is taken
 * out before node-postgres reads the URL. A URL that does not parse is passed on as it is (node-postgres reports it).
 */
export function readPoolerFlag(connectionString: string): { url: string; pgbouncer: boolean } {
  if (!connectionString.includes("pgbouncer=")) return { url: connectionString, pgbouncer: false };
  let parsed: URL;
  try {
    parsed = new URL(connectionString);
  } catch {
    return { url: connectionString, pgbouncer: false };
  }
  const value = parsed.searchParams.get("pgbouncer");
  if (value !== "true" && value !== "false") {
    throw new ValidationError("invalid_config", "pgbouncer in the connection string must be true or false", { details: { field: "pgbouncer" } });
  }
  parsed.searchParams.delete("pgbouncer");
  return { url: parsed.toString(), pgbouncer: value === "true" };
}
