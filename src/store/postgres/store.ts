import { sql } from "drizzle-orm";
import type { Logger } from "drizzle-orm/logger";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { UnavailableError, ValidationError } from "../../errors.js";
import { findPgError } from "../../migrate/driver-errors.js";
import type { MigrationGroup } from "../../migrate/groups.js";
import { type AnyPgDatabase, migrate, type MigrateOptions, type MigrateResult } from "../../migrate/runner.js";
import type { Store, StoreMetrics, StoreRepositories } from "../contract/index.js";
import { PgAppSessionConfigsStore } from "./app-session-configs.js";
import { PgAppsStore } from "./apps.js";
import { PgAuditEventsStore } from "./audit-events.js";
import { BoundedPool } from "./bounded-pool.js";
import { PgCeremoniesStore } from "./ceremonies.js";
import { PgEnvironmentsStore } from "./environments.js";
import { guardMethods, isDriverError, toStoreError } from "./errors.js";
import { PgNotificationsStore } from "./notifications.js";
import { PgPasswordResetsStore } from "./password-resets.js";
import { PgRateLimitsStore } from "./rate-limits.js";
import { PgRevokedRefreshTokensStore } from "./revoked-refresh-tokens.js";
import { PgRolesStore } from "./roles.js";
import { PgSessionsStore } from "./sessions.js";
import { PgUsersStore } from "./users.js";
import { PgVerificationsStore } from "./verifications.js";

export interface PostgresStoreOptions {
  /** Passed to the migrator (e.g. `lockTimeoutMs`). */
  migrate?: MigrateOptions;
  /** Overrides what `close()` does; by default it ends the Drizzle database's own client (pool or PGlite). */
  close?: () => Promise<void>;
  /**
   * The session check runs as a named prepared statement (parsed and planned once per connection). Set `false`
   * behind a pooler that cannot carry them (PgBouncer in transaction mode before 1.21, or without
   * `max_prepared_statements`; `pgbouncer=true` in the URL given to `createPostgresStore` does it). Left unset, they
   * are on, and `verify()` (the engine's `start()`) refuses to start behind a pooler; `true` says the pooler carries them.
   */
  preparedStatements?: boolean;
}

/** The sub-stores over one connection or transaction. */
function repositories(db: AnyPgDatabase, prepared: boolean): StoreRepositories {
  const statements = { db, preparedStatements: prepared };
  const repos: StoreRepositories = {
    db,
    mapError: toStoreError,
    preparedStatements: prepared,
    users: guardMethods(new PgUsersStore(db)),
    sessions: guardMethods(new PgSessionsStore(statements)),
    revokedRefreshTokens: guardMethods(new PgRevokedRefreshTokensStore(db)),
    verifications: guardMethods(new PgVerificationsStore(db)),
    passwordResets: guardMethods(new PgPasswordResetsStore(db)),
    apps: guardMethods(new PgAppsStore(db)),
    environments: guardMethods(new PgEnvironmentsStore(db)),
    appSessionConfigs: guardMethods(new PgAppSessionConfigsStore(db)),
    notifications: guardMethods(new PgNotificationsStore(db)),
    roles: guardMethods(new PgRolesStore(db)),
    ceremonies: guardMethods(new PgCeremoniesStore(statements)),
    rateLimits: guardMethods(new PgRateLimitsStore(statements)),
    auditEvents: guardMethods(new PgAuditEventsStore(statements)),
    transaction: (fn) => runTransaction(db, fn, prepared),
  };
  return repos;
}

async function runTransaction<T>(db: AnyPgDatabase, fn: (tx: StoreRepositories) => Promise<T>, prepared: boolean): Promise<T> {
  const body = (tx: unknown) => fn(repositories(tx as AnyPgDatabase, prepared));
  try {
    const pool = poolOf(db);
    return await (pool ? onOwnConnection(pool, db, (conn) => conn.transaction(body)) : db.transaction(body));
  } catch (err) {
    // The caller's own errors pass through untouched; a failing BEGIN/COMMIT is mapped like any store call.
    throw isDriverError(err) ? toStoreError(err) : err;
  }
}

/** The PostgreSQL implementation of the `Store` contract, over node-postgres or PGlite. */
export interface PostgresStore extends Store {}

/**
 * Creates the store over a Drizzle database (`drizzle-orm/node-postgres` or `drizzle-orm/pglite`).
 *
 * @example
 * ```ts
 * import { drizzle } from "drizzle-orm/node-postgres";
 * import { postgresStore } from "authsome/store/postgres";
 * const store = postgresStore(drizzle(pool));
 * await store.migrate();
 * ```
 */
export function postgresStore(db: AnyPgDatabase, options: PostgresStoreOptions = {}): PostgresStore {
  const repos = repositories(db, options.preparedStatements ?? true);
  return {
    ...repos,
    migrate(...groups: MigrationGroup[]): Promise<MigrateResult> {
      return migrate(db, groups, options.migrate).catch((err: unknown) => {
        throw isDriverError(err) ? toStoreError(err) : err;
      });
    },
    async ping() {
      try {
        await db.execute(sql`SELECT 1`);
      } catch (err) {
        throw new UnavailableError("unavailable", "Database unavailable", { cause: err });
      }
    },
    async verify() {
      const pool = poolOf(db);
      if (!pool) return;
      const pooled = await behindPooler(pool).catch((err: unknown) => {
        // PgBouncer refuses startup parameters it does not know, statement_timeout among them: the same mistake.
        if (/unsupported startup parameter/.test(findPgError(err)?.message ?? "")) throw poolerError("refuses the statement_timeout startup parameter");
        throw toStoreError(err);
      });
      if (pooled && options.preparedStatements === undefined) throw poolerError("cannot carry named prepared statements in transaction mode");
    },
    metrics(): StoreMetrics {
      const pool = poolOf(db);
      if (!pool) return { pool: null };
      const bounded = pool instanceof BoundedPool ? pool : undefined;
      return {
        pool: {
          max: pool.options.max ?? 10,
          total: pool.totalCount,
          idle: pool.idleCount,
          waiting: pool.waitingCount,
          refused: bounded?.refused ?? 0,
          errors: bounded?.errors ?? 0,
        },
      };
    },
    async close() {
      if (options.close) return options.close();
      const client = (db as unknown as { $client?: { end?: () => Promise<void>; close?: () => Promise<void> } }).$client;
      if (client?.end) await client.end();
      else if (client?.close) await client.close();
    },
  };
}

function poolerError(what: string): ValidationError {
  return new ValidationError(
    "invalid_config",
    `PostgreSQL is reached through a connection pooler (PgBouncer?), which ${what}: add pgbouncer=true to the connection ` +
      "string (createPostgresStore then turns prepared statements off and sends no statement_timeout), or pass " +
      "preparedStatements: false and pool.statementTimeoutMs: 0; if the pooler runs in session mode or carries prepared " +
      "statements (PgBouncer 1.21+ with max_prepared_statements), pass preparedStatements: true",
    { details: { field: "preparedStatements" } },
  );
}

/**
 * `fn` over a Drizzle database on one connection taken from `pool` and always given back. Drizzle's own transaction
 * over a pool takes the connection and sends BEGIN before the try whose finally releases it: a BEGIN that fails (the
 * backend killed, a failover, a cut network) would keep that connection checked out for good, and the pool would
 * shrink by one each time until nothing is served. pg-pool drops a given-back connection that is broken.
 */
async function onOwnConnection<T>(pool: pg.Pool, db: AnyPgDatabase, fn: (conn: AnyPgDatabase) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const logger = (db._.session as unknown as { logger?: Logger }).logger;
    return await fn(drizzle(client, logger ? { logger } : {}) as unknown as AnyPgDatabase);
  } finally {
    client.release();
  }
}

/** The node-postgres pool under a Drizzle database, if that is what it runs on. */
function poolOf(db: AnyPgDatabase): (pg.Pool & { options: pg.PoolConfig }) | undefined {
  const client = (db as unknown as { $client?: unknown }).$client;
  return client instanceof pg.Pool ? (client as pg.Pool & { options: pg.PoolConfig }) : undefined;
}

/**
 * True when a pooler stands between us and PostgreSQL. A server's BackendKeyData (the cancel key every connection
 * gets at start) names the backend's own process id; a pooler hands out keys of its own, so the two disagree.
 */
async function behindPooler(pool: pg.Pool): Promise<boolean> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const keyed = (client as unknown as { processID?: number | null }).processID;
    return typeof keyed === "number" && rows[0]?.pid !== keyed;
  } finally {
    client.release();
  }
}
