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

export async function withBenchDatabase<T>(fn: (bench: BenchDatabase) => Promise<T>, poolSize = 4): Promise<T> {
  const name = `authsome_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: benchAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(benchAdminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: poolSize });
  pool.on("error", () => {}); // DROP ... WITH (FORCE) may reach a closing client first
  const counter = countQueries(pool);
  try {
    await pool.query("SELECT 1"); // connect outside any timing: a booting app has a warm pool
    return await fn({ db: drizzle(pool), pool, counter });
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
