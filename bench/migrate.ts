// Migration timings: a fresh full migrate (core + every plugin group), an up-to-date migrate (and its round trips),
// and a PGlite cold start (create the cluster + migrate everything). Medians of repeated runs with min and max.
// Baselines from the same run: the same SQL executed bare in one transaction (no lock, no bookkeeping, no checks)
// on another fresh database, and a bare `SELECT 1` round trip for the up-to-date case.
// Also the engine's own start-up: a fresh `auth.start()` with every plugin (today: `password()`; it migrates,
// then creates the app and its environment) and an up-to-date `start()` with its round trips.
//   npm run bench:migrate            (PostgreSQL at BENCH_DATABASE_URL, default the local server, and PGlite)
// The samplers are exported for the full harness (bench/run.ts): measureMigrations, measureStart.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { sql } from "drizzle-orm";
import { createAuthsome } from "../src/authsome.js";
import type { AnyPgDatabase } from "../src/migrate/runner.js";
import { builtInMigrationGroup, loadMigrations, migrationGroupNames } from "../src/migrate/groups.js";
import { migrate } from "../src/migrate/runner.js";
import { password } from "../src/plugins/password/index.js";
import { countPglite } from "../src/store/query-counter.js";
import { postgresStore } from "../src/store/postgres/store.js";
import { median, withBenchDatabase } from "./database.js";

const groups = migrationGroupNames.map(builtInMigrationGroup);

export interface MigrationSample {
  fresh: number;
  upToDate: number;
  roundTrips: number;
  /** NaN when the baseline was skipped. */
  bareDdl: number;
  bareRoundTrip: number;
}

export interface PgliteSample extends MigrationSample {
  coldStart: number;
}

export interface MigrationSamples {
  groups: readonly string[];
  postgres: MigrationSample[];
  pglite: PgliteSample[];
}

export interface StartSample {
  /** `start()` on an empty database: migrate core + plugins, create the app and environment. */
  fresh: number;
  /** `start()` of a second engine on the same, up-to-date database. */
  upToDate: number;
  /** Statements the up-to-date `start()` sent. */
  roundTrips: number;
}

/** The statements of every group, in order: the bare-DDL baseline executes these. */
const allStatements = async () => (await Promise.all(groups.map(loadMigrations))).flat().flatMap((m) => m.statements);

/** The baseline for a fresh migrate: the same statements, bare, in one transaction. */
async function bareDdl(db: AnyPgDatabase, statements: readonly string[]): Promise<number> {
  return timed(() =>
    db.transaction(async (tx) => {
      for (const statement of statements) await tx.execute(sql.raw(statement));
    }),
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function postgresSample(statements: readonly string[]): Promise<MigrationSample> {
  const bare = await withBenchDatabase(async ({ db }) => ({
    ddl: await bareDdl(db, statements),
    roundTrip: await timed(() => db.execute(sql`SELECT 1`)),
  }));
  return withBenchDatabase(async ({ db, counter }) => {
    const fresh = await timed(() => migrate(db, groups));
    counter.reset();
    const upToDate = await timed(() => migrate(db, groups));
    return { fresh, upToDate, roundTrips: counter.count, bareDdl: bare.ddl, bareRoundTrip: bare.roundTrip };
  });
}

async function pgliteBaseline(statements: readonly string[]): Promise<{ ddl: number; roundTrip: number }> {
  const client = await PGlite.create();
  try {
    const db = drizzlePglite(client);
    return { ddl: await bareDdl(db, statements), roundTrip: await timed(() => db.execute(sql`SELECT 1`)) };
  } finally {
    await client.close();
  }
}

async function pgliteSample(statements: readonly string[], withBaseline: boolean): Promise<PgliteSample> {
  const bare = withBaseline ? await pgliteBaseline(statements) : { ddl: Number.NaN, roundTrip: Number.NaN };
  const created = performance.now();
  const client = await PGlite.create();
  try {
    const counter = countPglite(client);
    const db = drizzlePglite(client);
    const fresh = await timed(() => migrate(db, groups));
    const coldStart = performance.now() - created;
    counter.reset();
    const upToDate = await timed(() => migrate(db, groups));
    return { fresh, upToDate, roundTrips: counter.count, coldStart, bareDdl: bare.ddl, bareRoundTrip: bare.roundTrip };
  } finally {
    await client.close();
  }
}

/**
 * `repetitions` samples of each driver. `pgliteBaseline: false` skips PGlite's bare-DDL baseline (each one costs a
 * PGlite cluster of its own, seconds on a small machine).
 */
export async function measureMigrations(options: { repetitions: number; pgliteBaseline?: boolean }): Promise<MigrationSamples> {
  const statements = await allStatements();
  const postgres: MigrationSample[] = [];
  for (let i = 0; i < options.repetitions; i++) postgres.push(await postgresSample(statements));
  const pglite: PgliteSample[] = [];
  for (let i = 0; i < options.repetitions; i++) pglite.push(await pgliteSample(statements, options.pgliteBaseline ?? true));
  return { groups: migrationGroupNames, postgres, pglite };
}

/** One fresh and one up-to-date `auth.start()` with every plugin, on a fresh PostgreSQL database. */
async function startSample(): Promise<StartSample> {
  return withBenchDatabase(async ({ db, counter }) => {
    const store = postgresStore(db, { close: async () => {} }); // the pool belongs to withBenchDatabase
    const engine = () => createAuthsome({ store, plugins: [password()], config: { development: true } });
    const first = engine();
    const fresh = await timed(() => first.start());
    await first.stop();
    const second = engine();
    counter.reset();
    const upToDate = await timed(() => second.start());
    const roundTrips = counter.count;
    await second.stop();
    return { fresh, upToDate, roundTrips };
  });
}

export async function measureStart(repetitions: number): Promise<StartSample[]> {
  const samples: StartSample[] = [];
  for (let i = 0; i < repetitions; i++) samples.push(await startSample());
  return samples;
}

export const fmt = (xs: number[]) => `${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

async function main(): Promise<void> {
  const repetitions = Number(process.env.BENCH_REPETITIONS ?? 5);
  const { postgres, pglite } = await measureMigrations({ repetitions });
  const start = await measureStart(repetitions);

  console.log(`Migrations, ${repetitions} runs each (all groups: ${migrationGroupNames.join(", ")})`);
  console.log("| driver | fresh full migrate | baseline: same SQL bare | up-to-date migrate | baseline: `SELECT 1` | round trips up to date | cold start (create + migrate) |");
  console.log("|---|---|---|---|---|---|---|");
  const row = (label: string, samples: MigrationSample[], coldStart: string) => {
    const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}×`;
    const fresh = samples.map((s) => s.fresh);
    const bare = samples.map((s) => s.bareDdl);
    const upToDate = samples.map((s) => s.upToDate);
    const roundTrip = samples.map((s) => s.bareRoundTrip);
    console.log(
      `| ${label} | ${fmt(fresh)} = ${ratio(fresh, bare)} | ${fmt(bare)} | ${fmt(upToDate)} = ${ratio(upToDate, roundTrip)} | ${fmt(roundTrip)} | ${median(samples.map((s) => s.roundTrips))} | ${coldStart} |`,
    );
  };
  row("PostgreSQL 15 (node-postgres)", postgres, "—");
  row("PGlite (in memory)", pglite, fmt(pglite.map((s) => s.coldStart)));
  console.log(`\nauth.start() with password() on PostgreSQL, ${repetitions} runs`);
  console.log("| fresh start() | up-to-date start() | round trips up to date |");
  console.log("|---|---|---|");
  console.log(`| ${fmt(start.map((s) => s.fresh))} | ${fmt(start.map((s) => s.upToDate))} | ${median(start.map((s) => s.roundTrips))} |`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
