// Store figures on PostgreSQL (BENCH_DATABASE_URL, default the local server; a database of its own, dropped after):
// - a users page at depth 1,000,000 rows against the first page (keyset pagination should cost the same);
// - statements per session lookup by token hash (the session check's bar is 1).
//   npm run bench:store [-- --rows 1000000]
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { postgresStore } from "../src/store/postgres/store.js";
import { median, withBenchDatabase } from "./database.js";

const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, samples: { type: "string", default: "300" } } });
const depth = Number(values.rows);
const samples = Number(values.samples);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

await withBenchDatabase(async ({ pool, db, counter }) => {
  const store = postgresStore(db);
  await store.migrate();
  const app = await store.apps.create({ name: "Bench", slug: "bench" });
  const env = await store.environments.create({ appId: app.id, name: "Production", slug: "production", type: "production" });

  const seeded = performance.now();
  // Valid, time-ordered TypeIDs generated in SQL: "ausr_0" + 25 hex digits of the row number.
  await pool.query(
    `INSERT INTO authsome_users (id, app_id, env_id, email)
     SELECT 'ausr_0' || lpad(to_hex(i), 25, '0'), $1, $2, 'user' || i || '@example.com'
     FROM generate_series(1, $3::int) AS i`,
    [app.id, env.id, depth + 100],
  );
  await pool.query("ANALYZE authsome_users");
  console.log(`seeded ${depth + 100} users in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  // The cursor that starts the page after the newest `depth` users.
  const cursor = `ausr_0${(100 + 1).toString(16).padStart(25, "0")}`;
  const query = { appId: app.id, envId: env.id, limit: 20 };
  const time = async (cursorValue: string | null) => {
    const start = performance.now();
    const page = await store.users.list({ ...query, cursor: cursorValue });
    const ms = performance.now() - start;
    if (page.items.length !== 20) throw new Error("short page");
    return ms;
  };
  for (let i = 0; i < 20; i++) await Promise.all([time(null), time(cursor)]); // warm up
  const first: number[] = [];
  const deep: number[] = [];
  for (let i = 0; i < samples; i++) {
    first.push(await time(null));
    deep.push(await time(cursor));
  }

  const user = await store.users.findByEmail(app.id, env.id, "user1@example.com");
  const tokenHash = randomBytes(32).toString("hex");
  await store.sessions.create({
    appId: app.id,
    envId: env.id,
    userId: user!.id,
    tokenHash,
    refreshTokenHash: randomBytes(32).toString("hex"),
    familyId: "bench",
    expiresAt: new Date(Date.now() + 3_600_000),
    refreshExpiresAt: new Date(Date.now() + 86_400_000),
  });
  counter.reset();
  const found = await store.sessions.findByTokenHash(tokenHash, new Date());
  if (!found) throw new Error("session not found");
  const statements = counter.count;

  console.log(`\n| figure | value | baseline (same run) | ratio |`);
  console.log(`|---|---|---|---|`);
  console.log(
    `| users page (20) at depth ${depth.toLocaleString("en")}: median / p99 | ${median(deep).toFixed(2)} / ${pct(deep, 0.99).toFixed(2)} ms | first page ${median(first).toFixed(2)} / ${pct(first, 0.99).toFixed(2)} ms | ${(median(deep) / median(first)).toFixed(2)}× |`,
  );
  console.log(`| statements per session lookup by token hash | ${statements} | bar: 1 | — |`);
  console.log(`\n${samples} alternating samples each; PostgreSQL ${(await pool.query("SHOW server_version")).rows[0].server_version}, Node ${process.version}`);
}, 2);
