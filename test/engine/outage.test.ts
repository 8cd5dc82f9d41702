// Database outages, as a deployment meets them: the network to PostgreSQL goes away under load (an in-process TCP
// proxy cuts every connection and swallows new ones — the shared server is never stopped), and backends die
// mid-transaction (pg_terminate_backend). Requests fail fast with 503, the process stays up, background mail waits
// for the database and resumes, the same engine serves again when it returns, and no accepted write is lost.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Authsome, createAuthsome } from "../../src/authsome.js";
import type { Logger } from "../../src/engine/logger.js";
import { type MemoryMailer, memoryMailer } from "../../src/mail/memory.js";
import { password } from "../../src/plugins/password/index.js";
import { createPostgresStore } from "../../src/store/postgres/index.js";
import type { PostgresStore } from "../../src/store/postgres/store.js";
import { createTestDatabase, isPostgres, pgliteSkipReason, type TestDatabase } from "../support/database.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const basePath = "/v1/auth";
const connectionTimeoutMs = 1_000;
/** A 503 may take the connect timeout plus the statements the request had already begun; never a hang. */
const fastFailBoundMs = connectionTimeoutMs + 1_500;
const strongPassword = "correct horse battery staple";

interface Outcome {
  email: string;
  status: number;
  code?: string;
  startedAt: number;
  endedAt: number;
}

function engineOver(store: PostgresStore, mailer: MemoryMailer, logged: string[]): Authsome<object> {
  const logger: Logger = { error: (m) => void logged.push(m), warn: (m) => void logged.push(m), info: (m) => void logged.push(m) };
  return createAuthsome({
    store,
    plugins: [password()],
    mailer,
    logger,
    mailQueue: { retryDelayMs: 50 },
    // Throughput under faults, not the limits, is what is measured here.
    config: { development: true, basePath, appUrl: "http://app.test", rateLimits: false },
  });
}

async function call(auth: Authsome<object>, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { "user-agent": "outage-test" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await auth.handler(new Request(`http://localhost${basePath}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Sign-ups from `workers` concurrent clients until `stop()`; every answer is recorded with its timing. */
function signUpLoad(auth: Authsome<object>, workers: number, onOutcome: (o: Outcome) => void) {
  let running = true;
  let n = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const email = `load-${++n}-${process.pid}@example.com`;
      const startedAt = performance.now();
      const res = await call(auth, "POST", "/signup", { email, password: strongPassword });
      onOutcome({ email, status: res.status, code: res.body?.code, startedAt, endedAt: performance.now() });
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Resolves once `predicate` holds over what was recorded so far (checked at each new outcome). */
function waitUntil(outcomes: Outcome[], listeners: Array<() => void>, predicate: (all: Outcome[]) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!predicate(outcomes)) return;
      listeners.splice(listeners.indexOf(check), 1);
      resolve();
    };
    listeners.push(check);
    check();
  });
}

async function existingEmails(t: TestDatabase, emails: string[]): Promise<Set<string>> {
  const rows = await t.query<{ email: string }>("SELECT email FROM authsome_users WHERE email = ANY($1)", [emails]);
  return new Set(rows.map((r) => r.email));
}

/** Accounts missing part of what their sign-up writes in one transaction (password, session, signed-up event). */
async function halfWrittenAccounts(t: TestDatabase): Promise<string[]> {
  const rows = await t.query<{ email: string }>(`
    SELECT u.email FROM authsome_users u
    WHERE NOT EXISTS (SELECT 1 FROM authsome_password_hashes p WHERE p.user_id = u.id AND p.replaced_at IS NULL)
       OR NOT EXISTS (SELECT 1 FROM authsome_sessions s WHERE s.user_id = u.id)
       OR NOT EXISTS (SELECT 1 FROM authsome_audit_events e WHERE e.user_id = u.id AND e.type = 'user.signed_up')`);
  return rows.map((r) => r.email);
}

describe.skipIf(!isPostgres)(`database outages (${isPostgres ? "PostgreSQL" : pgliteSkipReason})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it("cut under load: fast 503s, /health unavailable, idle errors harmless, mail waits and resumes, the same process recovers, no accepted write lost", { timeout: 120_000 }, async () => {
    const target = new URL(t.url as string);
    const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const store = createPostgresStore(proxy.urlFor(t.url as string), { pool: { max: 4, connectionTimeoutMs, statementTimeoutMs: 5_000 } });
    // A second pool that sits idle when the cut comes: its connections' errors must not crash the process.
    const idle = createPostgresStore(proxy.urlFor(t.url as string), { pool: { max: 2, connectionTimeoutMs } });
    const mailer = memoryMailer();
    const logged: string[] = [];
    const auth = engineOver(store, mailer, logged);
    await auth.start();
    let load: ReturnType<typeof signUpLoad> | undefined;
    try {
      await Promise.all([idle.ping(), idle.ping()]);
      const known = `before-the-cut-${Date.now()}@example.com`;
      expect((await call(auth, "POST", "/signup", { email: known, password: strongPassword })).status).toBe(201);

      const outcomes: Outcome[] = [];
      const listeners: Array<() => void> = [];
      load = signUpLoad(auth, 6, (o) => {
        outcomes.push(o);
        for (const listener of [...listeners]) listener();
      });
      await waitUntil(outcomes, listeners, (all) => all.filter((o) => o.status === 201).length >= 20);

      // The cut.
      const cutAt = performance.now();
      proxy.blackhole();
      await waitUntil(outcomes, listeners, (all) => all.filter((o) => o.startedAt > cutAt && o.status !== 201).length >= 12);
      const firstFailure = Math.min(...outcomes.filter((o) => o.endedAt > cutAt && o.status !== 201).map((o) => o.endedAt)) - cutAt;

      const healthStarted = performance.now();
      const health = await call(auth, "GET", "/health");
      const healthMs = performance.now() - healthStarted;
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: "unavailable" });
      expect(health.headers.get("retry-after")).toBe("5");
      expect(healthMs).toBeLessThan(fastFailBoundMs);

      // Mail promised during the outage: the route answers at once; its job finds the database down, pauses the
      // workers (no try spent) and runs when the database is back.
      const resetMail = () => mailer.messages.filter((m) => m.to === known && /reset/i.test(m.subject));
      expect((await call(auth, "POST", "/forgot-password", { email: known })).status).toBe(200);
      await vi.waitFor(() => expect(auth.metrics().database.available).toBe(false), { timeout: 10_000, interval: 20 });
      expect(resetMail()).toHaveLength(0);
      expect(auth.metrics().pool?.errors).toBeGreaterThan(0);

      // Back.
      const restoredAt = performance.now();
      proxy.restore();
      await waitUntil(outcomes, listeners, (all) => all.filter((o) => o.startedAt > restoredAt && o.status === 201).length >= 20);
      const recovery = Math.min(...outcomes.filter((o) => o.startedAt > restoredAt && o.status === 201).map((o) => o.endedAt)) - restoredAt;
      await load.stop();
      await vi.waitFor(() => expect(resetMail()).toHaveLength(1), { timeout: 40_000, interval: 50 });
      expect(auth.metrics().database).toMatchObject({ available: true });
      expect(auth.metrics().database.outages).toBeGreaterThanOrEqual(1);
      expect((await call(auth, "GET", "/health")).status).toBe(200);

      // Every answer was a 201 or a fast 503 `unavailable` — never a 500, never a hang.
      const failures = outcomes.filter((o) => o.status !== 201);
      expect(new Set(failures.map((o) => `${o.status} ${o.code}`))).toEqual(new Set(["503 unavailable"]));
      const duringOutage = failures.filter((o) => o.startedAt > cutAt && o.endedAt < restoredAt);
      expect(Math.max(...duringOutage.map((o) => o.endedAt - o.startedAt))).toBeLessThan(fastFailBoundMs);
      expect(logged).not.toContain("request failed"); // the 500 path's log line

      // No accepted write lost, and nothing written that was refused before it could reach the database.
      const accepted = outcomes.filter((o) => o.status === 201).map((o) => o.email);
      const present = await existingEmails(t, outcomes.map((o) => o.email));
      expect(accepted.filter((e) => !present.has(e))).toEqual([]);
      const refusedOffline = failures.filter((o) => o.startedAt > cutAt && o.endedAt < restoredAt);
      expect(refusedOffline.filter((o) => present.has(o.email)).map((o) => o.email)).toEqual([]);
      // Requests in flight at the cut may have committed before their answer was lost (a 503 that happened): at most
      // one per connection that was cut, and each such account is whole.
      const inFlightAtCut = failures.filter((o) => o.startedAt <= cutAt);
      const committedUnanswered = inFlightAtCut.filter((o) => present.has(o.email)).length;
      expect(committedUnanswered).toBeLessThanOrEqual(4);
      expect(await halfWrittenAccounts(t)).toEqual([]);

      console.log(
        `outage: first 503 ${firstFailure.toFixed(0)} ms after the cut; /health 503 in ${healthMs.toFixed(0)} ms; ` +
          `recovery (first 201 after restore) ${recovery.toFixed(0)} ms; ${outcomes.length} sign-ups: ${accepted.length} accepted, ` +
          `${failures.length} refused (503), accepted but lost 0, refused but written ${committedUnanswered} (in flight at the cut); ` +
          `longest 503 during the outage ${Math.max(...duringOutage.map((o) => o.endedAt - o.startedAt)).toFixed(0)} ms (connectionTimeoutMs ${connectionTimeoutMs})`,
      );
    } finally {
      proxy.restore();
      await load?.stop();
      await auth.stop();
      await store.close();
      await idle.close();
      await proxy.close();
    }
  });

  it("backends killed mid-transaction during sign-ups and refreshes leave no half-written state", { timeout: 120_000 }, async () => {
    const victim = new URL(t.url as string);
    victim.searchParams.set("application_name", "authsome_outage_victim");
    const store = createPostgresStore(victim.toString(), { pool: { max: 4, connectionTimeoutMs: 2_000 } });
    const auth = engineOver(store, memoryMailer(), []);
    await auth.start();
    const killer = t.newPool(1).pool;
    let kills = 0;
    const kill = async () => {
      const { rows } = await killer.query(
        "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'authsome_outage_victim' AND state IN ('active', 'idle in transaction')",
      );
      kills += rows[0].n as number;
    };
    try {
      const statuses: Record<string, number> = {};
      const accepted: string[] = [];
      // Each client's latest session, when its last answer was a success (a lost answer may have rotated it away).
      const latest: Array<string | undefined> = [];
      let done = 0;
      const operations = 240;
      const killing: Promise<void>[] = [];
      const worker = async (w: number) => {
        let refreshToken: string | undefined;
        for (let i = 0; done < operations; i++) {
          const email = `killed-${w}-${i}@example.com`;
          const res = refreshToken && i % 2 === 1
            ? await call(auth, "POST", "/refresh", { refresh_token: refreshToken })
            : await call(auth, "POST", "/signup", { email, password: strongPassword });
          const key = `${res.status} ${res.body?.code ?? ""}`.trim();
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (res.status === 201) accepted.push(email);
          const ok = res.status === 201 || res.status === 200;
          if (ok) refreshToken = res.body.refresh_token;
          else if (res.status === 401) refreshToken = undefined; // a refresh whose answer was lost: start anew
          latest[w] = ok ? res.body.session_token : undefined;
          // Every few operations, kill whatever the pool's backends are doing right now.
          if (++done % 6 === 0) killing.push(kill());
        }
      };
      await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
      await Promise.all(killing);

      expect(kills).toBeGreaterThan(0);
      expect(Object.keys(statuses).filter((s) => s.startsWith("5") && s !== "503 unavailable")).toEqual([]);
      const present = await existingEmails(t, accepted);
      expect(accepted.filter((e) => !present.has(e))).toEqual([]);
      expect(await halfWrittenAccounts(t)).toEqual([]);
      // A rotation is one statement: a retired refresh token is never also a session's current one.
      expect(await t.query("SELECT r.token_hash FROM authsome_revoked_refresh_tokens r JOIN authsome_sessions s ON s.refresh_token_hash = r.token_hash")).toEqual([]);
      // The session a success handed out works.
      const working = latest.filter((token): token is string => token !== undefined);
      expect(working.length).toBeGreaterThan(0);
      for (const token of working) expect((await call(auth, "GET", "/session", undefined, token)).status).toBe(200);
      console.log(`pg_terminate_backend: ${kills} backends killed during ${operations} operations; answers ${JSON.stringify(statuses)}`);
    } finally {
      await auth.stop();
      await store.close();
    }
  });
});
