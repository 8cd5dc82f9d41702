// Each test file gets its own database: on PostgreSQL a fresh CREATE DATABASE (dropped afterwards), on PGlite a
// fresh in-memory instance loaded from a dump of a freshly initialised cluster (see pglite-template.ts). So files
// run in parallel and never see each other's rows. In the pgbouncer project (AUTHSOME_TEST_POOLER=pgbouncer) the
// database is still created and dropped over the direct admin URL, but everything a test uses (`url`, `db`,
// `newPool()`, `query()`) goes through the project's PgBouncer in transaction mode (see pgbouncer-setup.ts).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import { inject } from "vitest";
import type { AnyPgDatabase } from "../../src/migrate/runner.js";
import { countPglite, countPool, type QueryCounter } from "../../src/store/query-counter.js";

export type TestDriver = "pglite" | "postgres";

export const driver: TestDriver = process.env.AUTHSOME_TEST_DRIVER === "postgres" ? "postgres" : "pglite";
export const isPostgres = driver === "postgres";
/** True in the pgbouncer project: `url`, `db` and every `newPool()` reach PostgreSQL through PgBouncer (transaction
 *  mode), so stores there are made with `preparedStatements: false`. */
export const viaPgBouncer = isPostgres && process.env.AUTHSOME_TEST_POOLER === "pgbouncer";
/** Printed by tests that cannot run through a transaction pooler, after the reason. */
export const pgbouncerSkipNote = "skipped in the pgbouncer project (PgBouncer in transaction mode)";
/** Printed by tests that prove races and locks, which PGlite (one transaction at a time) cannot. */
export const pgliteSkipReason = "PGlite runs one transaction at a time: races and locks are proven on PostgreSQL only";

export interface TestDatabase {
  driver: TestDriver;
  db: AnyPgDatabase;
  /** Statements sent through `db` (BEGIN/COMMIT/ROLLBACK excluded). */
  counter: QueryCounter;
  /** The connection string of this database (PostgreSQL only). */
  url?: string;
  /** Another independent connection pool (PostgreSQL) — for concurrency tests. */
  newPool(max?: number): { db: AnyPgDatabase; pool: pg.Pool };
  /** Runs raw SQL and returns rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is required for the postgres test project");
  return url;
}

/** The connection string of database `name`: through the project's PgBouncer in the pgbouncer project, else direct. */
export function databaseUrlFor(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  if (viaPgBouncer) {
    url.hostname = "127.0.0.1";
    url.port = String(inject("pgbouncerPort"));
  }
  return url.toString();
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `authsome_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(name);
  const pools: pg.Pool[] = [];
  const newPool = (max = 4) => {
    const pool = new pg.Pool({ connectionString: url, max });
    pool.on("error", () => {});
    pools.push(pool);
    return { db: drizzleNodePg(pool) as AnyPgDatabase, pool };
  };
  const main = newPool();
  const counter = countPool(main.pool);
  return {
    driver: "postgres",
    db: main.db,
    counter,
    url,
    newPool,
    async query(text, params) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, params as unknown[])).rows;
      } finally {
        await client.end();
      }
    },
    async drop() {
      await Promise.all(pools.map((pool) => pool.end().catch(() => {})));
      const dropper = new pg.Client({ connectionString: adminUrl() });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  const template = new Blob([await readFile(inject("pgliteTemplate"))]);
  const client = await PGlite.create({ loadDataDir: template });
  const counter = countPglite(client);
  return {
    driver: "pglite",
    db: drizzlePglite(client) as AnyPgDatabase,
    counter,
    newPool() {
      throw new Error("PGlite has a single connection; concurrency tests run on PostgreSQL only");
    },
    async query(text, params) {
      return (await client.query(text, params)).rows as never[];
    },
    async drop() {
      await client.close();
    },
  };
}

/** A fresh, empty database for the current driver. */
export function createTestDatabase(): Promise<TestDatabase> {
  return isPostgres ? createPostgresDatabase() : createPgliteDatabase();
}
