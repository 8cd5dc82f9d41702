// A PostgreSQL database of the benchmark's own (BENCH_DATABASE_URL, default the local server): created fresh,
// handed over with a counted pool, dropped afterwards.
import { randomBytes } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { AnyPgDatabase } from "../src/migrate/runner.js";
import { countQueries, type QueryCounter } from "../src/store/query-counter.js";

export const benchAdminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  db: AnyPgDatabase;
  pool: pg.Pool;
  counter: QueryCounter;
}

/** A fresh database on the bench server, named after `label`. */
export interface CreatedDatabase {
  name: string;
  url: string;
}

export async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: benchAdminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

export async function createBenchDatabase(label = "db"): Promise<CreatedDatabase> {
  const name = `authsome_bench_${label}_${randomBytes(4).toString("hex")}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(benchAdminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops it even with clients still connected; a failure is reported, never thrown (clean-up must go on). */
export async function dropBenchDatabase(database: CreatedDatabase): Promise<void> {
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${database.name}" WITH (FORCE)`)).catch((error: unknown) => {
    console.error(`bench: could not drop database ${database.name}: ${String(error)}`);
  });
}

export async function withBenchDatabase<T>(fn: (bench: BenchDatabase) => Promise<T>, poolSize = 4): Promise<T> {
  const database = await createBenchDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: poolSize });
  pool.on("error", () => {}); // DROP ... WITH (FORCE) may reach a closing client first
  const counter = countQueries(pool);
  try {
    await pool.query("SELECT 1"); // connect outside any timing: a booting app has a warm pool
    return await fn({ db: drizzle(pool), pool, counter });
  } finally {
    await pool.end();
    await dropBenchDatabase(database);
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
