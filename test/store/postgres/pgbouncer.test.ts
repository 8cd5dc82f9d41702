// PgBouncer in transaction mode (1.18: it cannot carry protocol-level named prepared statements), as a new user would
// put it in front of PostgreSQL. This file runs in the postgres project and starts its own PgBouncer
// (test/support/pgbouncer.ts) with a small server pool, so client connections outnumber server connections; the
// pgbouncer project (which runs the store, migrator, HTTP and race suites through a shared PgBouncer) leaves it out.
//
// It proves: the migrator through PgBouncer under concurrent starts; `pgbouncer=true` in the connection string is
// all a user needs for the session check to work over multiplexed connections; without it the engine's start()
// refuses at once with a message naming the fix; the example server behaves the same for a new user; and it prints
// throughput through PgBouncer next to direct connections (printed, never asserted).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Authsome, createAuthsome } from "../../../src/authsome.js";
import { AuthsomeError, ValidationError } from "../../../src/errors.js";
import type { Logger } from "../../../src/engine/logger.js";
import { memoryMailer } from "../../../src/mail/memory.js";
import { builtInMigrationGroup, coreMigrations, loadMigrations } from "../../../src/migrate/groups.js";
import { password, type PasswordApi } from "../../../src/plugins/password/index.js";
import { createPostgresStore } from "../../../src/store/postgres/pool.js";
import { postgresStore, type PostgresStore } from "../../../src/store/postgres/store.js";
import { createTestDatabase, isPostgres, type TestDatabase } from "../../support/database.js";
import { startExample } from "../../support/example-process.js";
import { type PgBouncer, pgbouncerBinary, pgbouncerRequired, pgbouncerSkipReason, startPgBouncer } from "../../support/pgbouncer.js";
import { fakeHash, rejectionOf, seedTenant, seedUser } from "../../support/store.js";

/** Server connections PgBouncer keeps per database: fewer than the clients below open. */
const serverPoolSize = 6;

const skipReason = !isPostgres
  ? "PgBouncer stands in front of a PostgreSQL server: this file runs in the postgres project (PGlite has no network protocol)"
  : pgbouncerSkipReason && `${pgbouncerSkipReason}; the PgBouncer tests are skipped (REQUIRE_PGBOUNCER=1 makes this a failure)`;

if (isPostgres && !pgbouncerBinary && pgbouncerRequired) {
  it("has pgbouncer installed (REQUIRE_PGBOUNCER=1)", () => {
    throw new Error(`${pgbouncerSkipReason}; REQUIRE_PGBOUNCER=1 makes this a failure`);
  });
}
if (skipReason) console.info(`[pgbouncer.test] skipped: ${skipReason}`);

const silentLogger: Logger = { error() {}, warn() {}, info() {} };
const appUrl = "http://app.test";

/** `url` with `pgbouncer=true` added (Prisma's convention, read by createPostgresStore). */
function flagged(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("pgbouncer", "true");
  return parsed.toString();
}

function engineOver(store: PostgresStore): Authsome<PasswordApi> {
  return createAuthsome({
    store,
    plugins: [password()],
    mailer: memoryMailer(),
    logger: silentLogger,
    config: { development: true, basePath: "/v1/auth", appUrl, rateLimits: false },
  });
}

async function call(auth: Authsome<PasswordApi>, method: string, path: string, options: { body?: unknown; token?: string } = {}) {
  const headers = new Headers({ "user-agent": "vitest-pgbouncer" });
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.body !== undefined) headers.set("content-type", "application/json");
  const res = await auth.handler(
    new Request(`http://localhost/v1/auth${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) }),
  );
  const text = await res.text();
  return { status: res.status, body: text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text };
}

/** Runs `count` calls of `task(i)`, at most `concurrency` at a time; resolves with every outcome and the elapsed ms. */
async function drive<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<{ outcomes: PromiseSettledResult<T>[]; ms: number }> {
  const outcomes: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        outcomes[i] = await task(i).then(
          (value) => ({ status: "fulfilled", value }) as const,
          (reason: unknown) => ({ status: "rejected", reason }) as const,
        );
      }
    }),
  );
  return { outcomes, ms: performance.now() - started };
}

/** The messages of failed outcomes, with their causes (a driver error is the store error's `cause`). */
function failures(outcomes: PromiseSettledResult<unknown>[]): string[] {
  return outcomes.flatMap((o) => {
    if (o.status === "fulfilled") return [];
    const err = o.reason as Error & { cause?: Error };
    return [`${err.message}${err.cause ? ` (${err.cause.message})` : ""}`];
  });
}

/** Backends PostgreSQL has for `database` right now (through PgBouncer: its server connections). */
async function backendsOf(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]);
    return rows[0]?.n ?? 0;
  } finally {
    await admin.end();
  }
}

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

describe.skipIf(skipReason)(`PgBouncer ${pgbouncerBinary ? "" : "(absent) "}in transaction mode (${skipReason ?? "its own, started here"})`, () => {
  let bouncer: PgBouncer;
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const t = await createTestDatabase();
    databases.push(t);
    return t;
  };
  beforeAll(async () => {
    bouncer = await startPgBouncer({ defaultPoolSize: serverPoolSize });
  });
  afterAll(async () => {
    await Promise.all(databases.map((t) => t.drop()));
    await bouncer?.stop();
  });

  it("a. migrates one fresh database from 8 engines starting at once, each with its own pool through PgBouncer", async () => {
    const t = await fresh();
    const url = flagged(bouncer.via(t.url));
    const engines = Array.from({ length: 8 }, () => engineOver(createPostgresStore(url, { pool: { max: 2 } })));
    try {
      const started = await Promise.allSettled(engines.map((auth) => auth.start()));
      expect(failures(started)).toEqual([]);
    } finally {
      for (const auth of engines) {
        await auth.stop();
        await auth.store.close();
      }
    }
    const shipped = [...(await loadMigrations(coreMigrations)), ...(await loadMigrations(builtInMigrationGroup("password")))];
    const rows = await t.query<{ group: string; name: string; n: number }>(
      `SELECT "group", "name", count(*)::int AS n FROM authsome_migrations GROUP BY "group", "name" ORDER BY "group", "name"`,
    );
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows.map((r) => `${r.group}/${r.name}`).sort()).toEqual(shipped.map((m) => `${m.group}/${m.name}`).sort());
    const apps = await t.query<{ n: number }>("SELECT count(*)::int AS n FROM authsome_apps");
    expect(apps[0]?.n).toBe(1); // the app the 8 engines serve, ensured once
  });

  describe("b. the session check with pgbouncer=true in the connection string", () => {
    let t: TestDatabase;
    let tokens: string[];
    const now = new Date();
    beforeAll(async () => {
      // Seeded through PgBouncer too, so every backend of this database is one of PgBouncer's server connections.
      t = await fresh();
      const seeder = createPostgresStore(flagged(bouncer.via(t.url)), { pool: { max: 2 } });
      await seeder.migrate();
      const tenant = await seedTenant(seeder);
      const user = await seedUser(seeder, tenant);
      tokens = Array.from({ length: 50 }, () => fakeHash());
      for (const tokenHash of tokens) {
        await seeder.sessions.create({
          appId: tenant.app.id,
          envId: tenant.env.id,
          userId: user.id,
          tokenHash,
          refreshTokenHash: fakeHash(),
          familyId: `fam_${fakeHash().slice(0, 16)}`,
          expiresAt: new Date(now.getTime() + 3_600_000),
          refreshExpiresAt: new Date(now.getTime() + 86_400_000),
        });
      }
      await seeder.close();
    });

    it(`answers 3000 checks from 4 stores × 10 connections (80 at once) over ${serverPoolSize} server connections, with no prepared-statement errors`, async () => {
      const stores = Array.from({ length: 4 }, () => createPostgresStore(flagged(bouncer.via(t.url)), { pool: { max: 10 } }));
      try {
        expect(stores.every((store) => store.preparedStatements === false)).toBe(true);
        await Promise.all(stores.map((store) => store.verify())); // the flag also satisfies start()'s check
        const { outcomes } = await drive(3000, 80, (i) => (stores[i % stores.length] as PostgresStore).sessions.findByTokenHash(tokens[i % tokens.length] as string, now));
        expect(failures(outcomes)).toEqual([]);
        expect(outcomes.every((o, i) => o.status === "fulfilled" && o.value?.session.tokenHash === tokens[i % tokens.length])).toBe(true);
        // The clients really were multiplexed: more client connections than PostgreSQL had backends for this database.
        const clientConnections = stores.reduce((sum, store) => sum + (store.metrics().pool?.total ?? 0), 0);
        const backends = await backendsOf(databaseOf(t.url as string));
        expect(backends).toBeLessThanOrEqual(serverPoolSize);
        expect(clientConnections).toBeGreaterThan(serverPoolSize);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it("(control) the same load with named prepared statements forced on does fail behind this PgBouncer", async () => {
      const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: bouncer.via(t.url), max: 10 }));
      for (const pool of pools) pool.on("error", () => {});
      // `true` tells the store the pooler carries them, which PgBouncer 1.18 in transaction mode does not.
      const stores = pools.map((pool) => postgresStore(drizzle(pool), { preparedStatements: true }));
      try {
        const { outcomes } = await drive(3000, 80, (i) => (stores[i % stores.length] as PostgresStore).sessions.findByTokenHash(tokens[i % tokens.length] as string, now));
        const errors = failures(outcomes);
        console.log(`[pgbouncer.test] control: ${errors.length} of 3000 session checks failed with prepared statements on, e.g. ${errors[0] ?? "none"}`);
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.every((e) => /prepared statement "authsome_session_check" (does not exist|already exists)/.test(e))).toBe(true);
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });
  });

  describe("c. prepared statements on behind PgBouncer (no pgbouncer=true)", () => {
    const expectRefused = async (store: PostgresStore) => {
      const auth = engineOver(store);
      const startedAt = performance.now();
      const err = await rejectionOf(auth.start());
      const ms = performance.now() - startedAt;
      await store.close();
      expect(err).toBeInstanceOf(ValidationError);
      expect(err).toBeInstanceOf(AuthsomeError);
      expect(err.code).toBe("invalid_config");
      expect(err.message).toContain("pgbouncer=true");
      expect(err.message).toContain("preparedStatements: false");
      expect(ms).toBeLessThan(3_000); // at start, not at random later
      return err;
    };

    it("start() refuses with invalid_config naming pgbouncer=true, before migrating anything", async () => {
      const t = await fresh();
      // As a new user writes it: the default pool sends statement_timeout, which PgBouncer refuses at login.
      const err = await expectRefused(createPostgresStore(bouncer.via(t.url)));
      expect(err.message).toMatch(/^PostgreSQL is reached through a connection pooler/);
      // And with statementTimeoutMs: 0, the connection logs in: the backend key then gives the pooler away.
      await expectRefused(createPostgresStore(bouncer.via(t.url), { pool: { statementTimeoutMs: 0 } }));
      // Over a pool of one's own (no statement_timeout at all), the same.
      const pool = new pg.Pool({ connectionString: bouncer.via(t.url), max: 2 });
      await expectRefused(postgresStore(drizzle(pool)));
      expect(await t.query("SELECT 1 FROM pg_tables WHERE tablename = 'authsome_migrations'")).toEqual([]);
    });

    it("the same store options straight to PostgreSQL start (no false alarm)", async () => {
      const t = await fresh();
      const store = createPostgresStore(t.url as string);
      try {
        await expect(store.verify()).resolves.toBeUndefined();
      } finally {
        await store.close();
      }
    });
  });

  describe("d. the example server as a new user runs it", () => {
    let cwd: string;
    beforeAll(async () => {
      cwd = await mkdtemp(join(tmpdir(), "authsome-pgbouncer-example-"));
    });
    afterAll(() => rm(cwd, { recursive: true, force: true }));

    it("exits 1 at startup with one line naming pgbouncer=true; with ?pgbouncer=true it serves sign-up, sign-in and forgot-password", { timeout: 180_000 }, async () => {
      const t = await fresh();
      const refused = await rejectionOf(startExample(cwd, { DATABASE_URL: bouncer.via(t.url) }));
      const output = refused.message.split("before listening:\n")[1] ?? ""; // its stdout, then its stderr
      expect(refused.message).toMatch(/^the example exited \(1\) before listening:/);
      const lines = output.split("\n").filter((line) => line.startsWith("authsome example: "));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("pgbouncer=true");
      expect(lines[0]).toContain("preparedStatements: false");
      expect(output).not.toMatch(/^\s+at /m); // no stack trace
      expect(await t.query("SELECT 1 FROM pg_tables WHERE tablename = 'authsome_migrations'")).toEqual([]);

      const server = await startExample(cwd, { DATABASE_URL: flagged(bouncer.via(t.url)) });
      let exitCode: number | null | undefined;
      try {
        const post = (path: string, body: unknown) =>
          fetch(`${server.api}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        const email = "ada@example.com";
        const signUp = await post("/signup", { email, password: "correct horse battery staple" });
        expect(signUp.status, await signUp.clone().text()).toBe(201);
        const signIn = await post("/signin", { email, password: "correct horse battery staple" });
        expect(signIn.status, await signIn.clone().text()).toBe(200);
        const { session_token: token } = (await signIn.json()) as { session_token: string };
        const me = await fetch(`${server.api}/session`, { headers: { authorization: `Bearer ${token}` } });
        expect(me.status).toBe(200);
        expect(((await me.json()) as { user: { email: string } }).user.email).toBe(email);
        // The documented answer is 200 (docs/http-api.md), whether or not the account exists — and never a 500.
        const forgot = await post("/forgot-password", { email });
        expect(forgot.status, await forgot.clone().text()).toBe(200);
        const unknown = await post("/forgot-password", { email: "nobody@example.com" });
        expect(unknown.status, await unknown.clone().text()).toBe(200);
      } finally {
        exitCode = await server.stop("SIGTERM");
      }
      expect(exitCode).toBe(0);
    });
  });

  it("e. prints sign-in and session-check throughput through PgBouncer and direct (printed, not asserted)", { timeout: 180_000 }, async () => {
    const t = await fresh();
    const direct = engineOver(createPostgresStore(t.url as string, { pool: { max: 10 } }));
    const pooled = engineOver(createPostgresStore(flagged(bouncer.via(t.url)), { pool: { max: 10 } }));
    try {
      await direct.start();
      await pooled.start();
      const secret = "correct horse battery staple";
      const emails = Array.from({ length: 16 }, (_, i) => `bench-${i}@example.com`);
      for (const email of emails) expect((await call(direct, "POST", "/signup", { body: { email, password: secret } })).status).toBe(201);
      const concurrency = 16;
      const signIns = 24;
      const checks = 1000;
      const round = async (auth: Authsome<PasswordApi>, signInCount: number, checkCount: number) => {
        const signedIn = await drive(signInCount, concurrency, (i) => call(auth, "POST", "/signin", { body: { email: emails[i % emails.length], password: secret } }));
        const responses = signedIn.outcomes.map((o) => (o.status === "fulfilled" ? o.value : undefined));
        expect(responses.every((r) => r?.status === 200)).toBe(true);
        const sessionTokens = responses.map((r) => r?.body.session_token as string);
        const checked = await drive(checkCount, concurrency, (i) => call(auth, "GET", "/session", { token: sessionTokens[i % sessionTokens.length] }));
        expect(checked.outcomes.every((o) => o.status === "fulfilled" && o.value.status === 200)).toBe(true);
        return { signIn: (signInCount / signedIn.ms) * 1000, check: (checkCount / checked.ms) * 1000 };
      };
      // Untimed warm-up of both (JIT, connections, plans), then two timed rounds each, in the order direct, PgBouncer,
      // PgBouncer, direct so that neither side always runs first.
      await round(direct, 8, 300);
      await round(pooled, 8, 300);
      const measured: Record<"direct" | "pgbouncer", Array<{ signIn: number; check: number }>> = { direct: [], pgbouncer: [] };
      for (const name of ["direct", "pgbouncer", "pgbouncer", "direct"] as const) measured[name].push(await round(name === "direct" ? direct : pooled, signIns, checks));
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const lines = Object.entries(measured).map(
        ([name, runs]) =>
          `${name.padEnd(9)} sign-in ${mean(runs.map((r) => r.signIn)).toFixed(1)} req/s (${runs.map((r) => r.signIn.toFixed(1)).join(", ")}), ` +
          `session check ${mean(runs.map((r) => r.check)).toFixed(0)} req/s (${runs.map((r) => r.check.toFixed(0)).join(", ")})`,
      );
      console.log(
        `[pgbouncer.test] throughput through the engine (createAuthsome + handler, password plugin, argon2id defaults), concurrency ${concurrency}, ` +
          `${signIns} sign-ins and ${checks} session checks per round, mean of 2 rounds, client pool max 10, PgBouncer server pool ${serverPoolSize}:\n  ${lines.join("\n  ")}`,
      );
    } finally {
      await direct.stop();
      await pooled.stop();
      await direct.store.close();
      await pooled.store.close();
    }
  });
});
