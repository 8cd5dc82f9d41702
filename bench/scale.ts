/**
 * `npm run bench:scale` — what the hot store calls cost as the data grows. Two PostgreSQL databases in one run, both
 * migrated by the store's own migrations (core + password) and seeded by the same SQL (bench/scale-seed.ts): a small
 * one (1,000 users, 5,000 sessions) and a large one (1,000,000 users, 5,000,000 sessions; `--quick`: 100,000 and
 * 500,000), each with its users' password hashes and role assignments. Then, one call at a time, on rows drawn
 * uniformly at random among the seeded ones (the same draws in both, scaled to each size):
 *   (a) the session check — `sessions.findByTokenHash`;
 *   (b) sign-in's statements — `beginSignIn` (the user by email, with the per-IP and lockout counters) and
 *       `sessions.create` with its event (argon2 left out: it costs the same at any size);
 *   (c) the permission check — `roles.hasPermission` over a five-level role hierarchy.
 * Blocks of calls alternate between the databases, round after round (which one goes first alternates too), so
 * machine noise falls on both alike. Printed and written to bench/scale-results.json: median and p99 per call at
 * each size, the ratio large / small (bar: ≤ 1.15×), the work per call as PostgreSQL counts it (buffers hit and read,
 * WAL), the seeding time and the plans of the large database.
 * The databases (authsome_bench_scale_small, authsome_bench_scale_large) are dropped at the end, on failure and on
 * Ctrl-C, and any left by a killed run are dropped first; a run holds an advisory lock, so a second one started
 * meanwhile stops instead of dropping them.
 *   npm run bench:scale [-- --quick] [-- --users 1000000 --sessions 5000000 --rounds 40 --calls 125 --explain]
 *   [-- --database-url postgres://…]  (else BENCH_DATABASE_URL, DATABASE_URL, or the local server)
 */
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { TypeID } from "typeid-js";
import { passwordMigrations } from "../src/plugins/password/index.js";
import { createPool } from "../src/store/postgres/pool.js";
import { postgresStore } from "../src/store/postgres/store.js";
import { median } from "./database.js";
import {
  type CheckKind,
  capturingLogger,
  checkKinds,
  cleanUp,
  type Draw,
  draws,
  explainCall,
  flushStats,
  type Io,
  ioDelta,
  ioSnapshot,
  permissionUsers,
  planShape,
  runBlock,
  type Sample,
  type Target,
} from "./scale-measure.js";
import { type SeedSize, type SeedTimings, seedScale } from "./scale-seed.js";
import { pct } from "./store.js";

// ---------------------------------------------------------------------------------------------------------------
// Settings

interface Settings {
  mode: "quick" | "full";
  adminUrl: string;
  small: SeedSize;
  large: SeedSize;
  rounds: number;
  /** Calls per block: one check on one database. */
  calls: number;
  warmupCalls: number;
  explain: boolean;
}

const bar = 1.15;

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      users: { type: "string" },
      sessions: { type: "string" },
      rounds: { type: "string" },
      calls: { type: "string" },
      explain: { type: "boolean", default: false },
      "database-url": { type: "string" },
    },
  });
  const quick = values.quick === true;
  const count = (name: string, raw: string | undefined, fallback: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const users = count("users", values.users, quick ? 100_000 : 1_000_000);
  return {
    mode: quick ? "quick" : "full",
    adminUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres",
    small: { users: 1_000, sessions: 5_000 },
    large: { users, sessions: count("sessions", values.sessions, users * 5) },
    rounds: count("rounds", values.rounds, quick ? 10 : 40),
    calls: count("calls", values.calls, quick ? 60 : 125),
    warmupCalls: quick ? 200 : 500,
    explain: values.explain === true,
  };
}

const log = (message: string) => console.log(`· ${message}`);

// ---------------------------------------------------------------------------------------------------------------
// The two databases: fixed names, so that a run killed before its clean-up leaves nothing behind after the next one
// (a large one holds several GB).

interface Database {
  name: string;
  url: string;
}

async function withAdmin<T>(adminUrl: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

function databaseOf(adminUrl: string, label: string): Database {
  const name = `authsome_bench_scale_${label}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops it even with clients connected (their queries fail, and the run unwinds); never throws. */
async function dropDatabase(adminUrl: string, database: Database): Promise<void> {
  await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${database.name}" WITH (FORCE)`)).catch((error: unknown) => {
    console.error(`bench:scale: could not drop database ${database.name}: ${String(error)}`);
  });
}

async function createDatabase(adminUrl: string, database: Database): Promise<void> {
  await dropDatabase(adminUrl, database);
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${database.name}"`));
}

// ---------------------------------------------------------------------------------------------------------------
// Opening and seeding one database

interface Opened extends Target {
  seeded: SeedTimings;
  databaseMb: number;
  owners: number;
  close(): Promise<void>;
}

async function openAndSeed(database: Database, label: string, size: SeedSize): Promise<Opened> {
  // Seeding, VACUUM, checks and statistics, apart from the measured pool: no statement timeout (a batch takes minutes).
  const admin = new pg.Pool({ connectionString: database.url, max: 2 });
  admin.on("error", () => {}); // DROP … WITH (FORCE) on Ctrl-C may reach an idle client first
  // The store as an app builds it (createPool: statement timeout, error handler), on one connection.
  const pool = createPool(database.url, { max: 1 });
  const statements: Target["statements"] = [];
  const store = postgresStore(drizzle(pool, { logger: capturingLogger(statements) }));
  const close = async () => {
    await pool.end().catch(() => {});
    await admin.end().catch(() => {});
  };
  try {
    await store.migrate(passwordMigrations);
    const app = await store.apps.create({ name: "Bench", slug: "bench" });
    const env = await store.environments.create({ appId: app.id, name: "Production", slug: "production", type: "production" });
    const tenant = { appId: app.id, envId: env.id };
    log(`${label}: seeding ${size.users.toLocaleString("en")} users and ${size.sessions.toLocaleString("en")} sessions`);
    const seeded = await seedScale(admin, store, tenant, size, log);
    const target: Target = { label, size, tenant, store, pool, stats: admin, statements };
    const owners = await checkSeed(admin, target);
    const { rows } = await admin.query<{ bytes: string }>("SELECT pg_database_size(current_database()) AS bytes");
    const databaseMb = Number(rows[0]!.bytes) / 1_048_576;
    log(
      `${label}: inserted in ${seeded.insertSeconds.toFixed(1)} s, VACUUM (ANALYZE) + CHECKPOINT ${seeded.vacuumSeconds.toFixed(1)} s; ` +
        `${databaseMb.toFixed(0)} MB; sessions spread over ${owners.toLocaleString("en")} users`,
    );
    return { ...target, seeded, databaseMb, owners, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Checks the seed is what it claims (fails loudly otherwise): the row counts, ids that typeid-js parses as UUIDv7
 * TypeIDs of the right prefix whose timestamp is the row's `created_at`; returns how many users own a session.
 */
async function checkSeed(admin: pg.Pool, target: Target): Promise<number> {
  const { rows: [counts] } = await admin.query<{ users: string; hashes: string; sessions: string; owners: string; assignments: string }>(
    `SELECT (SELECT count(*) FROM authsome_users) AS users, (SELECT count(*) FROM authsome_password_hashes) AS hashes,
       (SELECT count(*) FROM authsome_sessions) AS sessions, (SELECT count(DISTINCT user_id) FROM authsome_sessions) AS owners,
       (SELECT count(*) FROM authsome_user_roles) AS assignments`,
  );
  const { users, sessions } = target.size;
  if (Number(counts!.users) !== users || Number(counts!.hashes) !== users || Number(counts!.sessions) !== sessions) {
    throw new Error(`${target.label}: seeded ${JSON.stringify(counts)}, expected ${users} users and hashes and ${sessions} sessions`);
  }
  if (Number(counts!.assignments) < users) throw new Error(`${target.label}: only ${counts!.assignments} role assignments for ${users} users`);
  for (const [table, prefix, at] of [
    ["authsome_users", "ausr", "created_at"],
    ["authsome_password_hashes", "apwh", "created_at"],
    ["authsome_sessions", "ases", "created_at"],
    ["authsome_user_roles", "aurl", "assigned_at"],
  ] as const) {
    const { rows } = await admin.query<{ id: string; ms: string }>(`SELECT id, (extract(epoch FROM ${at}) * 1000)::bigint AS ms FROM ${table} ORDER BY random() LIMIT 3`);
    for (const row of rows) {
      const parsed = TypeID.fromString(row.id);
      const uuid = parsed.toUUID();
      const ms = Number.parseInt(uuid.replace(/-/g, "").slice(0, 12), 16);
      if (parsed.getType() !== prefix || !uuidV7.test(uuid) || ms !== Number(row.ms)) {
        throw new Error(`${target.label}: ${table} id ${row.id} (${uuid}) is not a UUIDv7 TypeID "${prefix}" of its ${at}`);
      }
    }
  }
  return Number(counts!.owners);
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

/** Per kind and size: each round's samples, and the statistics counters summed over its blocks. */
type Blocks = Record<CheckKind, { small: Sample[][]; large: Sample[][]; io: { small: Io; large: Io } }>;

const noIo: Io = { hit: 0, read: 0, walRecords: 0, walFpi: 0, walBytes: 0 };
const addIo = (a: Io, b: Io): Io => ({ hit: a.hit + b.hit, read: a.read + b.read, walRecords: a.walRecords + b.walRecords, walFpi: a.walFpi + b.walFpi, walBytes: a.walBytes + b.walBytes });

/** One measured block, with the buffers and WAL it cost (the statistics are read before and after, untimed). */
async function measuredBlock(target: Target, kind: CheckKind, drawn: readonly Draw[], userIds: ReadonlyMap<number, string>): Promise<{ samples: Sample[]; io: Io }> {
  await flushStats(target);
  const before = await ioSnapshot(target);
  const samples = await runBlock(target, kind, drawn, userIds);
  await flushStats(target);
  const io = ioDelta(before, await ioSnapshot(target));
  await cleanUp(target, samples);
  return { samples, io };
}

/** Per kind, the draws of every round's block (the same for both sizes) and the users the permission draws name. */
interface Plan {
  draws: Record<CheckKind, Draw[][]>;
  warmup: Record<CheckKind, Draw[]>;
  /** The call of each check that is explained. */
  explain: Draw;
}

function planDraws(settings: Settings): Plan {
  const byKind = <T>(fn: (kind: CheckKind, index: number) => T) => Object.fromEntries(checkKinds.map((kind, i) => [kind, fn(kind, i)])) as Record<CheckKind, T>;
  return {
    draws: byKind((_, i) => {
      const all = draws(0x5ca1e + i, settings.rounds * settings.calls);
      return Array.from({ length: settings.rounds }, (_, r) => all.slice(r * settings.calls, (r + 1) * settings.calls));
    }),
    warmup: byKind((_, i) => draws(0xa11 + i, settings.warmupCalls)),
    explain: draws(0xe1, 1)[0]!,
  };
}

async function measure(settings: Settings, plan: Plan, small: Opened, large: Opened): Promise<{ blocks: Blocks; userIds: Map<Target, Map<number, string>> }> {
  const userIds = new Map<Target, Map<number, string>>();
  for (const target of [small, large]) {
    userIds.set(target, await permissionUsers(target, [...plan.draws.permission_check.flat(), ...plan.warmup.permission_check, plan.explain]));
  }
  log(`warm-up: ${settings.warmupCalls} calls of each check on each database`);
  for (const target of [small, large]) {
    for (const kind of checkKinds) await cleanUp(target, await runBlock(target, kind, plan.warmup[kind], userIds.get(target)!));
  }

  const blocks = Object.fromEntries(checkKinds.map((kind) => [kind, { small: [], large: [], io: { small: noIo, large: noIo } }])) as unknown as Blocks;
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? ([["small", small], ["large", large]] as const) : ([["large", large], ["small", small]] as const);
    for (const kind of checkKinds) {
      for (const [which, target] of order) {
        const { samples, io } = await measuredBlock(target, kind, plan.draws[kind][round]!, userIds.get(target)!);
        blocks[kind][which].push(samples);
        blocks[kind].io[which] = addIo(blocks[kind].io[which], io);
      }
    }
    if ((round + 1) % 5 === 0 || round + 1 === settings.rounds) log(`round ${round + 1} / ${settings.rounds}`);
  }
  return { blocks, userIds };
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

interface Latency {
  median_ms: number;
  p99_ms: number;
  samples: number;
}

interface Figure {
  small: Latency;
  large: Latency;
  ratio_median: number;
  ratio_p99: number;
  /** The ratio of each round's block medians (large / small): how steady the ratio is. */
  round_ratio: { median: number; min: number; max: number };
  bar: number;
  pass: boolean;
  /** Per call, from pg_statio_user_tables and pg_stat_wal over the measured blocks (see `Work`). */
  work_per_call: { small: Work; large: Work };
  parts?: Record<string, { small: Latency; large: Latency; ratio_median: number }>;
  allowed_share?: { small: number; large: number };
}

/**
 * What one call cost PostgreSQL: buffers of the database's tables and indexes found in shared_buffers or read from
 * the OS (its page cache, or the disk), and WAL records, full-page images and bytes. The WAL counters are the
 * server's: right while the bench runs alone on it.
 */
interface Work {
  buffers_hit: number;
  buffers_read: number;
  wal_records: number;
  wal_fpi: number;
  wal_bytes: number;
}

const workOf = (io: Io, calls: number): Work => ({
  buffers_hit: round2(io.hit / calls),
  buffers_read: round2(io.read / calls),
  wal_records: round2(io.walRecords / calls),
  wal_fpi: round2(io.walFpi / calls),
  wal_bytes: Math.round(io.walBytes / calls),
});

const round2 = (n: number) => Number(n.toFixed(2));
const round3 = (n: number) => Number(n.toFixed(3));
const latencyOf = (ms: number[]): Latency => ({ median_ms: round3(median(ms)), p99_ms: round3(pct(ms, 0.99)), samples: ms.length });

function figureOf(kind: CheckKind, { small, large, io }: Blocks[CheckKind]): Figure {
  const all = (blocks: Sample[][], pick: (s: Sample) => number = (s) => s.ms) => blocks.flat().map(pick);
  const rounds = small.map((block, r) => median(large[r]!.map((s) => s.ms)) / median(block.map((s) => s.ms)));
  const figure: Figure = {
    small: latencyOf(all(small)),
    large: latencyOf(all(large)),
    ratio_median: round3(median(all(large)) / median(all(small))),
    ratio_p99: round3(pct(all(large), 0.99) / pct(all(small), 0.99)),
    round_ratio: { median: round3(median(rounds)), min: round3(Math.min(...rounds)), max: round3(Math.max(...rounds)) },
    bar,
    pass: median(all(large)) / median(all(small)) <= bar,
    work_per_call: { small: workOf(io.small, all(small).length), large: workOf(io.large, all(large).length) },
  };
  if (kind === "sign_in") {
    figure.parts = {};
    for (const part of ["find", "create"] as const) {
      const pick = (s: Sample) => s.parts![part];
      figure.parts[part] = { small: latencyOf(all(small, pick)), large: latencyOf(all(large, pick)), ratio_median: round3(median(all(large, pick)) / median(all(small, pick))) };
    }
  }
  if (kind === "permission_check") {
    const share = (blocks: Sample[][]) => round3(blocks.flat().filter((s) => s.allowed).length / blocks.flat().length);
    figure.allowed_share = { small: share(small), large: share(large) };
  }
  return figure;
}

const names: Record<CheckKind, string> = {
  session_check: "(a) session check — sessions.findByTokenHash",
  sign_in: "(b) sign-in statements — beginSignIn + sessions.create",
  permission_check: "(c) permission check — roles.hasPermission",
};

function table(settings: Settings, figures: Record<CheckKind, Figure>): string {
  const sizeOf = (s: SeedSize) => `${s.users.toLocaleString("en")} users / ${s.sessions.toLocaleString("en")} sessions`;
  const ms = (l: Latency) => `${l.median_ms.toFixed(3)} / ${l.p99_ms.toFixed(3)} ms`;
  const lines = [
    `| check | ${sizeOf(settings.small)}: median / p99 | ${sizeOf(settings.large)}: median / p99 | ratio median (p99) | per-round ratio median (min–max) | bar | |`,
    "|---|---|---|---|---|---|---|",
  ];
  for (const kind of checkKinds) {
    const f = figures[kind];
    lines.push(
      `| ${names[kind]} | ${ms(f.small)} | ${ms(f.large)} | ${f.ratio_median.toFixed(2)}× (${f.ratio_p99.toFixed(2)}×) | ` +
        `${f.round_ratio.median.toFixed(2)}× (${f.round_ratio.min.toFixed(2)}–${f.round_ratio.max.toFixed(2)}) | ≤ ${bar.toFixed(2)}× | ${f.pass ? "PASS" : "MISS"} |`,
    );
    for (const [part, p] of Object.entries(f.parts ?? {})) {
      lines.push(`| … ${part === "find" ? "beginSignIn (user by email)" : "sessions.create (+ event)"} | ${ms(p.small)} | ${ms(p.large)} | ${p.ratio_median.toFixed(2)}× | | | |`);
    }
  }
  lines.push(
    "",
    "| work per call (pg_statio_user_tables, pg_stat_wal) | small: buffers hit / read from the OS; WAL records / full-page images / bytes | large: the same |",
    "|---|---|---|",
  );
  const work = (w: Work) => `${w.buffers_hit} / ${w.buffers_read}; ${w.wal_records} / ${w.wal_fpi} / ${w.wal_bytes.toLocaleString("en")} B`;
  for (const kind of checkKinds) lines.push(`| ${names[kind]} | ${work(figures[kind].work_per_call.small)} | ${work(figures[kind].work_per_call.large)} |`);
  return lines.join("\n");
}

interface PlanRecord {
  /** EXPLAIN (ANALYZE, BUFFERS) of each statement of one call on the large database. */
  large: string[][];
  /** Whether the small database's plans have the same nodes; if not, its plans too. */
  same_shape_as_small: boolean;
  small?: string[][];
}

async function explainAll(settings: Settings, draw: Draw, small: Opened, large: Opened, userIds: Map<Target, Map<number, string>>): Promise<Record<CheckKind, PlanRecord>> {
  const out = {} as Record<CheckKind, PlanRecord>;
  for (const kind of checkKinds) {
    const smallPlans = await explainCall(small, kind, draw, userIds.get(small)!);
    const largePlans = await explainCall(large, kind, draw, userIds.get(large)!);
    const same = JSON.stringify(smallPlans.map(planShape)) === JSON.stringify(largePlans.map(planShape));
    out[kind] = { large: largePlans, same_shape_as_small: same, ...(same ? {} : { small: smallPlans }) };
    if (settings.explain) {
      console.log(`\n${names[kind]}${same ? "" : " (plans differ between the sizes)"}`);
      for (const [which, plans] of same ? ([["large", largePlans]] as const) : ([["small", smallPlans], ["large", largePlans]] as const)) {
        plans.forEach((plan, i) => console.log(`-- ${which}, statement ${i + 1}\n${plan.join("\n")}`));
      }
    } else if (!same) {
      // The nodes only: a tiny table read by a bitmap scan where a big one gets an index scan is expected; a
      // sequential scan appearing on the large side is what to look for (`--explain` prints the full plans).
      console.log(`\n${names[kind]}: the plans differ between the sizes`);
      smallPlans.forEach((plan, i) => console.log(`-- small, statement ${i + 1}\n${planShape(plan).join("\n")}\n-- large, statement ${i + 1}\n${planShape(largePlans[i]!).join("\n")}`));
    }
  }
  return out;
}

async function describeMachine(admin: pg.Pool): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  const setting = async (name: string) => (await admin.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name];
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? "unknown",
    memory_gb: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    postgres: await setting("server_version"),
    shared_buffers: await setting("shared_buffers"),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Run

async function main(settings: Settings, databases: { small: Database; large: Database }): Promise<void> {
  const started = performance.now();
  console.log(
    `Authsome scale benchmark (${settings.mode}): ${settings.small.users.toLocaleString("en")} vs ${settings.large.users.toLocaleString("en")} users; ` +
      `${settings.rounds} rounds × ${settings.calls} calls per check per database, alternating; bar ≤ ${bar}× (median)`,
  );
  let small: Opened | undefined;
  let large: Opened | undefined;
  try {
    await createDatabase(settings.adminUrl, databases.small);
    await createDatabase(settings.adminUrl, databases.large);
    small = await openAndSeed(databases.small, "small", settings.small);
    large = await openAndSeed(databases.large, "large", settings.large);
    const machine = await describeMachine(large.stats);
    const plan = planDraws(settings);
    const { blocks, userIds } = await measure(settings, plan, small, large);
    const figures = Object.fromEntries(checkKinds.map((kind) => [kind, figureOf(kind, blocks[kind])])) as Record<CheckKind, Figure>;
    const plans = await explainAll(settings, plan.explain, small, large, userIds);
    const seeding = (o: Opened) => ({
      users: o.size.users,
      sessions: o.size.sessions,
      users_with_sessions: o.owners,
      insert_seconds: Number(o.seeded.insertSeconds.toFixed(1)),
      vacuum_analyze_checkpoint_seconds: Number(o.seeded.vacuumSeconds.toFixed(1)),
      database_mb: Math.round(o.databaseMb),
    });
    const results = {
      date: new Date().toISOString(),
      mode: settings.mode,
      machine,
      settings: {
        rounds: settings.rounds,
        calls_per_block: settings.calls,
        warmup_calls: settings.warmupCalls,
        order: "per round and check: a block on one database, then on the other; which goes first alternates by round",
        draws: "uniform over the seeded rows (seeded PRNG, the same draws in both databases scaled to their size)",
        connections: "1 per database (createPool max 1), calls one at a time; named prepared statements as the store makes them",
        sign_in: "beginSignIn (per-IP limit raised, default lockout counting) + sessions.create with the signin.succeeded event; argon2 not included; the sessions written are deleted after each block, untimed",
        permission_check: "app-wide roles; 6 checks drawn at random over a 5-level hierarchy, allowed for some users, denied for others",
      },
      seeding: { small: seeding(small), large: seeding(large) },
      checks: figures,
      plans,
      wall_seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    const resultsPath = fileURLToPath(new URL("./scale-results.json", import.meta.url));
    await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nSeeding (large): ${results.seeding.large.insert_seconds} s inserting + ${results.seeding.large.vacuum_analyze_checkpoint_seconds} s VACUUM (ANALYZE) and CHECKPOINT; ${results.seeding.large.database_mb} MB`);
    console.log(`\n${table(settings, figures)}\n`);
    console.log(`Permission checks allowed: ${figures.permission_check.allowed_share!.small} (small), ${figures.permission_check.allowed_share!.large} (large).`);
    console.log(`Results: ${resultsPath}\nWall time: ${results.wall_seconds} s`);
  } finally {
    await small?.close();
    await large?.close();
  }
}

/**
 * Holds a session-level advisory lock on the server for the whole run: the databases have fixed names, so a second
 * run at the same time must stop rather than drop the first one's. A killed run's connection closes, and its lock
 * with it; its databases are then dropped by the next run.
 */
async function lockRun(adminUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => {});
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext('authsome_bench_scale')) AS locked");
  if (!rows[0]!.locked) {
    await client.end();
    throw new Error("another `npm run bench:scale` is running on this server (it holds the advisory lock); wait for it to finish");
  }
  return client;
}

const settings = readSettings();
const databases = { small: databaseOf(settings.adminUrl, "small"), large: databaseOf(settings.adminUrl, "large") };
/** Set once this run holds the lock: only then are the databases its own to drop. */
let lock: pg.Client | undefined;
const dropAll = async () => {
  if (!lock) return;
  await dropDatabase(settings.adminUrl, databases.small);
  await dropDatabase(settings.adminUrl, databases.large);
};

// Ctrl-C (or SIGTERM) drops the databases at once, which also ends any statement still running in them, and exits.
let stopping = false;
const stop = () => {
  if (stopping) process.exit(130);
  stopping = true;
  console.error("\nbench:scale: interrupted — dropping the databases");
  void dropAll().finally(() => process.exit(130));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

let exitCode = 0;
try {
  lock = await lockRun(settings.adminUrl);
  await main(settings, databases);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  if (!stopping) await dropAll();
  await lock?.end().catch(() => {});
}
process.exit(exitCode);
