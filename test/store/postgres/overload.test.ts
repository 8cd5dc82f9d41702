// Overload on PostgreSQL: a store from createPostgresStore with a small pool (max 2, maxWaiting 4, a waiter gives up
// after 1 s, statements after 300 ms). Beyond the bounded wait queue a call fails at once with 503 `unavailable`
// instead of piling up; a statement stuck behind a lock is cut off server-side (57014 → 503 `timeout`); and
// pgbouncer=true in the URL is read without a pooler. What holds the connections busy is a transaction waiting on a
// promise the test controls, so everything is ordered by events, and timings are loose upper bounds only.
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Authsome, createAuthsome } from "../../../src/authsome.js";
import { isAuthsomeError, UnavailableError } from "../../../src/errors.js";
import type { Logger } from "../../../src/engine/logger.js";
import { memoryMailer } from "../../../src/mail/memory.js";
import { password, type PasswordApi } from "../../../src/plugins/password/index.js";
import type { TenantScope } from "../../../src/store/contract/index.js";
import { createPostgresStore, postgresStore, type PostgresStore, readPoolerFlag } from "../../../src/store/postgres/index.js";
import { createTestDatabase, isPostgres, pgbouncerSkipNote, type TestDatabase, viaPgBouncer } from "../../support/database.js";
import { rejectionOf, scopeOf, seedTenant } from "../../support/store.js";

const skipReason = !isPostgres
  ? "PGlite has one connection and no pool: pool exhaustion and statement_timeout are proven on PostgreSQL only"
  : viaPgBouncer
    ? `a direct connection is needed (PgBouncer refuses the statement_timeout startup parameter); ${pgbouncerSkipNote}`
    : "PostgreSQL, direct";

const pool = { max: 2, maxWaiting: 4, connectionTimeoutMs: 1_000, statementTimeoutMs: 300 } as const;
const silentLogger: Logger = { error() {}, warn() {}, info() {} };
const basePath = "/v1/auth";
const pw = "a fine password";

/** Holds `count` of the store's connections, each in an open transaction, until `release()`. */
async function holdConnections(store: PostgresStore, count: number): Promise<{ release(): Promise<void> }> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const inside: Array<Promise<void>> = [];
  const done: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i++) {
    let entered!: () => void;
    inside.push(new Promise<void>((resolve) => (entered = resolve)));
    done.push(
      store.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT 1`);
        entered();
        await gate;
      }),
    );
  }
  await Promise.all(inside);
  return {
    async release() {
      open();
      await Promise.all(done);
    },
  };
}

/** A transaction on its own connection holding ACCESS EXCLUSIVE on authsome_users. */
async function lockUsers(t: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: t.url });
  client.on("error", () => {});
  await client.connect();
  await client.query("BEGIN");
  await client.query("LOCK TABLE authsome_users IN ACCESS EXCLUSIVE MODE");
  return client;
}

function post(auth: Authsome<PasswordApi>, path: string, body: unknown): Promise<Response> {
  return auth.handler(
    new Request(`http://localhost${basePath}${path}`, { method: "POST", headers: { "content-type": "application/json", "user-agent": "vitest" }, body: JSON.stringify(body) }),
  );
}

describe.skipIf(!isPostgres || viaPgBouncer)(`a bounded pool under overload (${skipReason})`, () => {
  let t: TestDatabase;
  let store: PostgresStore;
  let scope: TenantScope;
  let auth: Authsome<PasswordApi>;
  const holds: Array<{ release(): Promise<void> }> = [];
  const locks: pg.Client[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    // Migrated and seeded over the test database's own pool: a migration's statements may well take over 300 ms.
    const plugin = password();
    const setup = postgresStore(t.db);
    await setup.migrate(...(plugin.migrations ? [plugin.migrations] : []));
    scope = scopeOf(await seedTenant(setup));
    store = createPostgresStore(t.url as string, { pool });
    auth = createAuthsome({
      store,
      plugins: [plugin],
      migrations: false,
      mailer: memoryMailer(),
      logger: silentLogger,
      config: { development: true, basePath, appUrl: "http://app.test", rateLimits: false, appCacheTTL: "1h" },
    });
    await auth.start();
  });
  afterEach(async () => {
    // A failed case must not leave the pool held or the table locked for the next one.
    await Promise.all(holds.splice(0).map((hold) => hold.release().catch(() => {})));
    await Promise.all(locks.splice(0).map((client) => client.query("ROLLBACK").then(() => client.end()).catch(() => {})));
  });
  afterAll(async () => {
    await auth?.stop();
    await store?.close();
    await t?.drop();
  });

  it("with both connections busy lets 4 calls wait and refuses the other 16 at once with UnavailableError unavailable; the waiters are served once a connection frees", async () => {
    const refusedBefore = store.metrics().pool?.refused ?? 0;
    const busy = await holdConnections(store, 2);
    holds.push(busy);
    expect(store.metrics().pool).toMatchObject({ max: 2, total: 2, idle: 0, waiting: 0 });

    const settled: Array<{ i: number; outcome: "served" | "rejected"; error?: unknown }> = [];
    let onSettle: (() => void) | undefined;
    const calls = Array.from({ length: 20 }, (_, i) =>
      store.users.findByEmail(scope, `nobody-${i}@example.com`).then(
        () => void settled.push({ i, outcome: "served" }),
        (error: unknown) => void settled.push({ i, outcome: "rejected", error }),
      ).finally(() => onSettle?.()),
    );
    const settledCount = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (settled.length >= n ? resolve() : (onSettle = check));
        check();
      });

    // Sixteen are refused while both connections are still held: none of them waited for one.
    await settledCount(16);
    expect(settled).toHaveLength(16);
    expect(settled.every((s) => s.outcome === "rejected")).toBe(true);
    const refusals = settled.map((s) => s.error);
    const during = store.metrics().pool;
    expect(during).toMatchObject({ max: 2, total: 2, idle: 0, waiting: 4 });
    expect((during?.refused ?? 0) - refusedBefore).toBe(16);

    // Freeing the connections serves the four that waited.
    await busy.release();
    await Promise.all(calls);
    expect(settled).toHaveLength(20);
    expect(settled.slice(16).map((s) => s.outcome)).toEqual(["served", "served", "served", "served"]);
    expect(store.metrics().pool).toMatchObject({ waiting: 0 });

    // What the refused ones were told: the store's 503 `unavailable`, as every store call reports it.
    for (const error of refusals) {
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error).toMatchObject({ kind: "unavailable", code: "unavailable" });
    }
  });

  it("maxWaiting: 0 lets no call wait, yet a call that can have a connection of its own (a cold pool) is served", async () => {
    const eager = createPostgresStore(t.url as string, { pool: { max: 1, maxWaiting: 0, connectionTimeoutMs: 1_000 } });
    try {
      // Nothing is busy: the pool opens its first connection for this call.
      await expect(eager.users.findByEmail(scope, "cold@example.com")).resolves.toBeNull();
      const busy = await holdConnections(eager, 1);
      holds.push(busy);
      const refused = await rejectionOf(eager.users.findByEmail(scope, "busy@example.com"));
      expect(refused).toMatchObject({ kind: "unavailable" });
      expect(eager.metrics().pool).toMatchObject({ waiting: 0, refused: 1 });
      await busy.release();
    } finally {
      await eager.close();
    }
  });

  it("a call waiting longer than connectionTimeoutMs fails with UnavailableError (503), while the connections stay busy", async () => {
    const busy = await holdConnections(store, 2);
    holds.push(busy);
    let released = false;
    const startedAt = Date.now();
    const waiters = Array.from({ length: 4 }, (_, i) => rejectionOf(store.users.findByEmail(scope, `late-${i}@example.com`)).then((err) => ({ err, released })));
    expect(store.metrics().pool?.waiting).toBeLessThanOrEqual(pool.maxWaiting);
    const outcomes = await Promise.all(waiters);
    const tookMs = Date.now() - startedAt;
    for (const { err, released: afterRelease } of outcomes) {
      expect(afterRelease).toBe(false); // gave up on its own, not served late
      expect(isAuthsomeError(err)).toBe(true);
      expect(err).toMatchObject({ kind: "unavailable" });
    }
    expect(tookMs).toBeLessThan(pool.connectionTimeoutMs + 4_000); // a bound, not a benchmark
    released = true;
    await busy.release();
    await expect(store.users.findByEmail(scope, "after@example.com")).resolves.toBeNull();
  });

  it("over HTTP the same exhaustion answers 503 with Retry-After (never 500), and the wait queue never grows past maxWaiting", async () => {
    // A signed-in user whose session check runs during the exhaustion, next to sign-ins of unknown accounts.
    const signedUp = await post(auth, "/signup", { email: "crowd-member@example.com", password: pw });
    expect(signedUp.status).toBe(201);
    const { session_token: token, refresh_token: refreshToken } = (await signedUp.json()) as { session_token: string; refresh_token: string };
    const kinds = [
      (i: number) => post(auth, "/signin", { email: `crowd-${i}@example.com`, password: pw }),
      () => auth.handler(new Request(`http://localhost${basePath}/session`, { headers: { authorization: `Bearer ${token}`, "user-agent": "vitest" } })),
      () => post(auth, "/refresh", { refresh_token: refreshToken }),
    ];

    const refusedBefore = store.metrics().pool?.refused ?? 0;
    const busy = await holdConnections(store, 2);
    holds.push(busy);

    let maxWaitingSeen = 0;
    let sampling = true;
    const sample = () => {
      maxWaitingSeen = Math.max(maxWaitingSeen, store.metrics().pool?.waiting ?? 0);
      if (sampling) setImmediate(sample); // every turn of the event loop, until the requests are done
    };
    sample();

    const responses: Response[] = [];
    let onResponse: (() => void) | undefined;
    const requests = Array.from({ length: 24 }, (_, i) =>
      (kinds[i % kinds.length] as (i: number) => Promise<Response>)(i).then((res) => {
        responses.push(res);
        onResponse?.();
        return res;
      }),
    );
    // At least the refused ones answer while both connections are still held.
    await new Promise<void>((resolve) => {
      const check = () => (responses.length >= 24 - pool.maxWaiting ? resolve() : (onResponse = check));
      check();
    });
    const answeredWhileBusy = responses.length;
    await busy.release();
    const all = await Promise.all(requests);
    sampling = false;

    const statuses = all.map((res) => res.status);
    const described = await Promise.all(all.map(async (res, i) => `${["signin", "session", "refresh"][i % kinds.length]} ${res.status} ${(await res.clone().text()).slice(0, 60)}`));
    expect(answeredWhileBusy).toBeGreaterThanOrEqual(24 - pool.maxWaiting); // turned away without waiting
    for (const res of all.filter((r) => r.status === 503)) {
      expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
      expect(((await res.json()) as { code: string }).code).toBe("unavailable");
    }
    expect(maxWaitingSeen).toBeGreaterThan(0);
    expect(maxWaitingSeen).toBeLessThanOrEqual(pool.maxWaiting);
    expect((store.metrics().pool?.refused ?? 0) - refusedBefore).toBeGreaterThanOrEqual(24 - pool.maxWaiting);
    // Refused: 503. Served: 401 for a sign-in of an unknown account, 200 for the session check and the first refresh
    // (401 for a refresh token already rotated, and for the session that reuse revoked). Never a 500.
    expect(described.filter((_, i) => ![200, 401, 503].includes(statuses[i] as number))).toEqual([]);
    expect(auth.metrics().pool).toMatchObject({ max: 2, waiting: 0 });
  });

  it("a sign-up stuck behind a table lock answers 503 timeout after statementTimeoutMs; the lock holder proceeds and the next sign-up is served", async () => {
    const holder = await lockUsers(t);
    locks.push(holder);

    const startedAt = Date.now();
    const res = await post(auth, "/signup", { email: "blocked@example.com", password: pw });
    const tookMs = Date.now() - startedAt;
    expect(res.status, await res.clone().text()).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe("timeout");
    expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    // The server cut the statement off; the client-side connection timeout (1 s) played no part. A loose bound.
    expect(tookMs).toBeLessThan(pool.connectionTimeoutMs + 2_000);

    // The lock holder is not stuck behind the cancelled sign-up: it reads and commits.
    expect((await holder.query("SELECT count(*)::int AS n FROM authsome_users WHERE email = 'blocked@example.com'")).rows).toEqual([{ n: 0 }]);
    await holder.query("COMMIT");
    locks.splice(locks.indexOf(holder), 1);
    await holder.end();

    const next = await post(auth, "/signup", { email: "served@example.com", password: pw });
    expect(next.status, await next.clone().text()).toBe(201);
    expect(((await next.json()) as { user: { email: string } }).user.email).toBe("served@example.com");
    expect(await t.query("SELECT email FROM authsome_users WHERE email IN ('blocked@example.com', 'served@example.com')")).toEqual([{ email: "served@example.com" }]);
  });
});

describe.skipIf(!isPostgres || viaPgBouncer)(`pgbouncer=true in the connection string, without a pooler (${skipReason})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  function withQuery(url: string, query: string): string {
    const parsed = new URL(url);
    for (const [name, value] of new URLSearchParams(query)) parsed.searchParams.append(name, value);
    return parsed.toString();
  }

  it("readPoolerFlag strips pgbouncer=true (and =false), refuses other values, and leaves URLs without it untouched", async () => {
    const url = t.url as string;
    const flagged = readPoolerFlag(withQuery(url, "pgbouncer=true&sslmode=disable"));
    expect(flagged.pgbouncer).toBe(true);
    expect(new URL(flagged.url).searchParams.has("pgbouncer")).toBe(false);
    expect(new URL(flagged.url).searchParams.get("sslmode")).toBe("disable");
    expect(flagged.url).toBe(withQuery(url, "sslmode=disable"));

    expect(readPoolerFlag(withQuery(url, "pgbouncer=false"))).toEqual({ url: new URL(url).toString(), pgbouncer: false });
    expect(readPoolerFlag(url)).toEqual({ url, pgbouncer: false });
    const odd = "postgres://u:p%40ss@db.internal:6432/app?application_name=x";
    expect(readPoolerFlag(odd).url).toBe(odd); // the same string, not a re-serialised one

    for (const value of ["yes", "1", "TRUE", ""]) {
      expect(() => readPoolerFlag(withQuery(url, `pgbouncer=${value}`)), value).toThrow(expect.objectContaining({ kind: "validation", code: "invalid_config" }));
    }
  });

  it("createPostgresStore refuses statementTimeoutMs with pgbouncer=true, and on a direct URL verify() resolves", async () => {
    const url = t.url as string;
    expect(() => createPostgresStore(withQuery(url, "pgbouncer=true"), { pool: { statementTimeoutMs: 1_000 } })).toThrow(
      expect.objectContaining({ kind: "validation", code: "invalid_config" }),
    );
    expect(() => createPostgresStore(withQuery(url, "pgbouncer=yes"))).toThrow(expect.objectContaining({ code: "invalid_config" }));

    const direct = createPostgresStore(url);
    try {
      await expect(direct.verify()).resolves.toBeUndefined();
      await expect(direct.ping()).resolves.toBeUndefined();
    } finally {
      await direct.close();
    }
  });
});
