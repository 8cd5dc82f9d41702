// Migration timings: a fresh full migrate (core + every plugin group), an up-to-date migrate (and its round trips),
// and a PGlite cold start (create the cluster + migrate everything). Medians of repeated runs with min and max.
// Baselines from the same run: the same SQL executed bare in one transaction (no lock, no bookkeeping, no checks)
// on another fresh database, and a bare `SELECT 1` round trip for the up-to-date case.
//   npm run bench:migrate            (PostgreSQL at BENCH_DATABASE_URL, default the local server, and PGlite)
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { sql } from "drizzle-orm";
import type { AnyPgDatabase } from "../src/migrate/runner.js";
import { builtInMigrationGroup, loadMigrations, migrationGroupNames } from "../src/migrate/groups.js";
import { migrate } from "../src/migrate/runner.js";
import { countPglite } from "../src/store/query-counter.js";
import { median, withBenchDatabase } from "./database.js";

const repetitions = Number(process.env.BENCH_REPETITIONS ?? 5);
const groups = migrationGroupNames.map(builtInMigrationGroup);

interface Sample {
  fresh: number;
  upToDate: number;
  roundTrips: number;
  bareDdl: number;
  bareRoundTrip: number;
}

const statements = (await Promise.all(groups.map(loadMigrations))).flat().flatMap((m) => m.statements);

/** The baseline for a fresh migrate: the same statements, bare, in one transaction. */
async function bareDdl(db: AnyPgDatabase): Promise<number> {
  return timed(() =>
    db.transaction(async (tx) => {
      for (const statement of statements) await tx.execute(sql.raw(statement));
    }),
  );
}

const fmt = (xs: number[]) => `${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function postgresSample(): Promise<Sample> {
  const bare = await withBenchDatabase(async ({ db }) => ({
    ddl: await bareDdl(db),
    roundTrip: await timed(() => db.execute(sql`SELECT 1`)),
  }));
  return withBenchDatabase(async ({ db, counter }) => {
    const fresh = await timed(() => migrate(db, groups));
    counter.reset();
    const upToDate = await timed(() => migrate(db, groups));
    return { fresh, upToDate, roundTrips: counter.count, bareDdl: bare.ddl, bareRoundTrip: bare.roundTrip };
  });
}

async function pgliteSample(): Promise<Sample & { coldStart: number }> {
  const bareClient = await PGlite.create();
  const bareDb = drizzlePglite(bareClient);
  const bare = { ddl: await bareDdl(bareDb), roundTrip: await timed(() => bareDb.execute(sql`SELECT 1`)) };
  await bareClient.close();
  let client: PGlite | undefined;
  const created = performance.now();
  client = await PGlite.create();
  const counter = countPglite(client);
  const db = drizzlePglite(client);
  const fresh = await timed(() => migrate(db, groups));
  const coldStart = performance.now() - created;
  counter.reset();
  const upToDate = await timed(() => migrate(db, groups));
  const roundTrips = counter.count;
  await client.close();
  client = undefined;
  return { fresh, upToDate, roundTrips, coldStart, bareDdl: bare.ddl, bareRoundTrip: bare.roundTrip };
}

const pgSamples: Sample[] = [];
for (let i = 0; i < repetitions; i++) pgSamples.push(await postgresSample());
const liteSamples: Array<Sample & { coldStart: number }> = [];
for (let i = 0; i < repetitions; i++) liteSamples.push(await pgliteSample());

console.log(`Migrations, ${repetitions} runs each (all groups: ${migrationGroupNames.join(", ")})`);
console.log("| driver | fresh full migrate | baseline: same SQL bare | up-to-date migrate | baseline: `SELECT 1` | round trips up to date | cold start (create + migrate) |");
console.log("|---|---|---|---|---|---|---|");
const row = (label: string, samples: Sample[], coldStart: string) => {
  const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}×`;
  const fresh = samples.map((s) => s.fresh);
  const bare = samples.map((s) => s.bareDdl);
  const upToDate = samples.map((s) => s.upToDate);
  const roundTrip = samples.map((s) => s.bareRoundTrip);
  console.log(
    `| ${label} | ${fmt(fresh)} = ${ratio(fresh, bare)} | ${fmt(bare)} | ${fmt(upToDate)} = ${ratio(upToDate, roundTrip)} | ${fmt(roundTrip)} | ${median(samples.map((s) => s.roundTrips))} | ${coldStart} |`,
  );
};
row("PostgreSQL 15 (node-postgres)", pgSamples, "—");
row("PGlite (in memory)", liteSamples, fmt(liteSamples.map((s) => s.coldStart)));
