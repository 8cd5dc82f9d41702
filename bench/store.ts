// Store figures on PostgreSQL (BENCH_DATABASE_URL, default the local server; a database of its own, dropped after):
// - a users page at depth 1,000,000 rows against the first page (keyset pagination should cost the same);
// - statements per session lookup by token hash (the session check's bar is 1).
//   npm run bench:store [-- --rows 1000000]
// The steps are exported for the full harness (bench/run.ts): seedPaginationUsers, measurePagination,
// countSessionLookupStatements; run directly, this file prints its own table.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { postgresStore, type PostgresStore } from "../src/store/postgres/store.js";
import { type BenchDatabase, median, withBenchDatabase } from "./database.js";

const pageSize = 20;

export interface PaginationSeed {
  store: PostgresStore;
  appId: string;
  envId: string;
  depth: number;
  /** The cursor that starts the page after the newest `depth` users. */
  cursor: string;
  seedSeconds: number;
}

export interface PaginationResult {
  depth: number;
  samples: number;
  /** Milliseconds per page read, one entry per sample. */
  first: number[];
  deep: number[];
}

export const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

/**
 * Migrates the database and inserts `depth + 100` users in one statement (generate_series, not API calls), with
 * valid, time-ordered TypeIDs generated in SQL: "ausr_0" + 25 hex digits of the row number.
 */
export async function seedPaginationUsers({ pool, db }: BenchDatabase, depth: number): Promise<PaginationSeed> {
  const store = postgresStore(db);
  await store.migrate();
  const app = await store.apps.create({ name: "Bench", slug: "bench" });
  const env = await store.environments.create({ appId: app.id, name: "Production", slug: "production", type: "production" });
  const started = performance.now();
  const client = await pool.connect();
  try {
    // Seeding only (nothing here is timed): skip the per-row foreign-key triggers, whose app_id and env_id point at
    // the rows just created — almost halves the insert. It takes a superuser; without one the insert is just slower.
    const skipTriggers = await client.query("SET session_replication_role = replica").then(() => true, () => false);
    // And build the secondary indexes once after the load, as pg_restore does, instead of row by row.
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
       FROM pg_index WHERE indrelid = 'authsome_users'::regclass
         AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)`,
    );
    for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
    await client.query(
      `INSERT INTO authsome_users (id, app_id, env_id, email)
       SELECT 'ausr_0' || lpad(to_hex(i), 25, '0'), $1, $2, 'user' || i || '@example.com'
       FROM generate_series(1, $3::int) AS i`,
      [app.id, env.id, depth + 100],
    );
    for (const index of indexes) await client.query(index.definition);
    if (skipTriggers) await client.query("RESET session_replication_role");
  } finally {
    client.release();
  }
  // VACUUM too: left to autovacuum, the pass over a million fresh rows would land in the middle of a timed run.
  await pool.query("VACUUM (ANALYZE) authsome_users");
  const cursor = `ausr_0${(100 + 1).toString(16).padStart(25, "0")}`;
  return { store, appId: app.id, envId: env.id, depth, cursor, seedSeconds: (performance.now() - started) / 1000 };
}

/** Reads the first page and the page at depth alternately, `samples` times each, after a warm-up. */
export async function measurePagination(seed: PaginationSeed, samples: number): Promise<PaginationResult> {
  const scope = { appId: seed.appId, envId: seed.envId };
  const time = async (cursor: string | null) => {
    const start = performance.now();
    const page = await seed.store.users.list(scope, {}, { limit: pageSize, cursor });
    const ms = performance.now() - start;
    if (page.items.length !== pageSize) throw new Error("short page");
    return ms;
  };
  for (let i = 0; i < 20; i++) await Promise.all([time(null), time(seed.cursor)]); // warm up
  const first: number[] = [];
  const deep: number[] = [];
  for (let i = 0; i < samples; i++) {
    first.push(await time(null));
    deep.push(await time(seed.cursor));
  }
  return { depth: seed.depth, samples, first, deep };
}

/** Statements sent by one session lookup by token hash (the store call behind GET /session). */
export async function countSessionLookupStatements({ counter }: BenchDatabase, seed: PaginationSeed): Promise<number> {
  const user = await seed.store.users.findByEmail({ appId: seed.appId, envId: seed.envId }, "user1@example.com");
  const tokenHash = randomBytes(32).toString("hex");
  await seed.store.sessions.create({
    appId: seed.appId,
    envId: seed.envId,
    userId: user!.id,
    tokenHash,
    refreshTokenHash: randomBytes(32).toString("hex"),
    familyId: "bench",
    expiresAt: new Date(Date.now() + 3_600_000),
    refreshExpiresAt: new Date(Date.now() + 86_400_000),
  });
  counter.reset();
  const found = await seed.store.sessions.findByTokenHash(tokenHash, new Date());
  if (!found) throw new Error("session not found");
  return counter.count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, samples: { type: "string", default: "300" } } });
  const depth = Number(values.rows);
  const samples = Number(values.samples);
  await withBenchDatabase(async (bench) => {
    const seed = await seedPaginationUsers(bench, depth);
    console.log(`seeded ${depth + 100} users in ${seed.seedSeconds.toFixed(1)} s`);
    const { first, deep } = await measurePagination(seed, samples);
    const statements = await countSessionLookupStatements(bench, seed);

    console.log(`\n| figure | value | baseline (same run) | ratio |`);
    console.log(`|---|---|---|---|`);
    console.log(
      `| users page (20) at depth ${depth.toLocaleString("en")}: median / p99 | ${median(deep).toFixed(2)} / ${pct(deep, 0.99).toFixed(2)} ms | first page ${median(first).toFixed(2)} / ${pct(first, 0.99).toFixed(2)} ms | ${(median(deep) / median(first)).toFixed(2)}× |`,
    );
    console.log(`| statements per session lookup by token hash | ${statements} | bar: 1 | — |`);
    console.log(`\n${samples} alternating samples each; PostgreSQL ${(await bench.pool.query("SHOW server_version")).rows[0].server_version}, Node ${process.version}`);
  }, 2);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
