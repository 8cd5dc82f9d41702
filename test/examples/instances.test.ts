// Many instances (issue 15, part 3): four example servers (examples/server.ts, `npm start`) as real processes on ONE
// PostgreSQL database with one AUTHSOME_SECRET, booted at the same moment, and driven over real HTTP. Everything
// that must hold across instances — migrations, lockout, per-IP limits, revocation, refresh rotation — is checked by
// spreading requests over the four and reading the answer on each: any per-process state would show.
//
// Clients: per-IP limits count the socket address (the example sets no trustProxy), so each scenario talks from its
// own loopback address (127.0.x.y, all of 127/8 is loopback on Linux) — the way distinct clients would — and no
// scenario spends another's budget.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { type IncomingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations, type MigrationGroup } from "../../src/migrate/groups.js";
import { LOCK_NAMESPACE, resolveGroups } from "../../src/migrate/runner.js";
import { magicLink } from "../../src/plugins/magic-link/index.js";
import { passkey } from "../../src/plugins/passkey/index.js";
import { password } from "../../src/plugins/password/index.js";
import { passwordRateLimits } from "../../src/plugins/password/service.js";
import { createTestDatabase, isPostgres, pgliteSkipReason, type TestDatabase } from "../support/database.js";
import { type Example, killRunningExamples, startExamples } from "../support/example-process.js";

const instances = 4;
const skipReason = `four processes share one database server, and PGlite is embedded in one process; ${pgliteSkipReason}`;
/** Spawning four tsx processes on a loaded two-core machine, and their boot. */
const bootTimeoutMs = 120_000;
const requestTimeoutMs = 20_000;
const caseTimeoutMs = 60_000;
const thePassword = "correct horse battery staple";
const wrongPassword = "not the password at all";

// ---------------------------------------------------------------------------------------------------------------
// A small HTTP client that can choose its source address (fetch cannot).

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON (any shape), or the text of a non-JSON answer. */
  body: any;
}

interface CallOptions {
  /** The client's address: what the per-IP limits count. */
  ip: string;
  token?: string;
  json?: unknown;
}

/** One request to `server`'s API on a fresh connection (no keep-alive: nothing can ride on a connection's state). */
function call(server: Example, method: string, path: string, { ip, token, json }: CallOptions): Promise<Reply> {
  const payload = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  const headers: Record<string, string> = {};
  if (payload) Object.assign(headers, { "content-type": "application/json", "content-length": String(payload.length) });
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: server.port, path: `/v1/auth${path}`, method, headers, localAddress: ip, agent: false, timeout: requestTimeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          if (/^application\/json/.test(res.headers["content-type"] ?? "")) body = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} on :${server.port} took over ${requestTimeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

let ipCount = 0;
/** A loopback address no other request of this file has used: a new client. */
function newClientIp(): string {
  ipCount += 1;
  return `127.0.${1 + Math.floor(ipCount / 250)}.${1 + (ipCount % 250)}`;
}

const signUp = (server: Example, ip: string, email: string) => call(server, "POST", "/signup", { ip, json: { email, password: thePassword } });
const signIn = (server: Example, ip: string, email: string, pw = thePassword) => call(server, "POST", "/signin", { ip, json: { email, password: pw } });
const sessionOf = (server: Example, ip: string, token: string) => call(server, "GET", "/session", { ip, token });
const refresh = (server: Example, ip: string, refreshToken: string) => call(server, "POST", "/refresh", { ip, json: { refresh_token: refreshToken } });

interface Tokens {
  session_token: string;
  refresh_token: string;
}

/** The statuses GET /session answers `token` with on every instance, asked all at once. */
async function sessionStatuses(servers: Example[], ip: string, token: string): Promise<number[]> {
  return (await Promise.all(servers.map((server) => sessionOf(server, ip, token)))).map((reply) => reply.status);
}

/** Runs `tasks` with at most `concurrency` in flight. */
async function pooled<T>(tasks: Array<() => Promise<T>>, concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await (tasks[index] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------------------------------------------------------

describe.skipIf(!isPostgres)(`many example instances on one database (PostgreSQL; ${isPostgres ? "running" : skipReason})`, () => {
  let t: TestDatabase;
  let cwd: string;
  let servers: Example[] = [];
  /** How long the barrier held the four at the migration lock, and the boot as a whole. */
  const boot = { waitersSeenMs: 0, listeningMs: 0 };

  beforeAll(async () => {
    t = await createTestDatabase();
    cwd = await mkdtemp(join(tmpdir(), "authsome-instances-"));
    const secret = randomBytes(36).toString("base64url");

    // A barrier at the migrator's own lock: the test holds it while the four boot, so that every instance reaches
    // its migration run before any can apply one, then lets them all go at once — a real race, not four starts
    // that happen to be staggered by process start-up.
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    await holder.query("SELECT pg_advisory_lock($1::int4, hashtext(current_database()))", [LOCK_NAMESPACE]);
    const started = Date.now();
    const starting = startExamples(instances, { cwd, env: { DATABASE_URL: t.url as string, AUTHSOME_SECRET: secret } });
    starting.catch(() => {}); // awaited below; a failure also ends the wait
    let released = false;
    try {
      const waiting = (async () => {
        // The migrator's waits on that lock are visible only in pg_locks: read it until all four are there.
        const deadline = Date.now() + bootTimeoutMs - 10_000;
        while (!released) {
          const [row] = await holder.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks
              WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          ).then((r) => r.rows);
          if ((row?.n ?? 0) >= instances) return;
          if (Date.now() > deadline) throw new Error(`only ${row?.n ?? 0} of ${instances} instances reached the migration lock`);
          await delay(25);
        }
      })();
      waiting.catch(() => {}); // awaited by the race; after it, only the released client's errors remain
      await Promise.race([
        waiting,
        starting.then(() => {
          throw new Error("the instances listened while the migration lock was held: they did not migrate under it");
        }),
      ]);
      boot.waitersSeenMs = Date.now() - started;
    } finally {
      released = true;
      await holder.query("SELECT pg_advisory_unlock($1::int4, hashtext(current_database()))", [LOCK_NAMESPACE]).catch(() => {});
      await holder.end();
    }
    servers = await starting;
    boot.listeningMs = Date.now() - started;
    console.log(`[instances] ${instances} processes at the migration lock after ${boot.waitersSeenMs} ms, all listening after ${boot.listeningMs} ms`);
  }, bootTimeoutMs);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop("SIGTERM")));
    killRunningExamples(); // only when one did not stop
    await t?.drop();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  }, 30_000);

  it("boots four instances at once: each migration is applied exactly once, by one run, and the app exists once", { timeout: caseTimeoutMs }, async () => {
    expect(servers).toHaveLength(instances);
    expect(new Set(servers.map((s) => s.port)).size).toBe(instances);
    for (const server of servers) {
      const health = await call(server, "GET", "/health", { ip: newClientIp() });
      expect({ port: server.port, status: health.status, body: health.body }).toEqual({ port: server.port, status: 200, body: { status: "ok" } });
      expect(server.stderr()).toBe("");
    }

    // What one instance applies: core plus the groups of the example's plugins (social only with GitHub set).
    const groups = [password(), magicLink(), passkey()].flatMap((plugin) => (plugin.migrations ? [plugin.migrations as MigrationGroup] : []));
    const expected = (await Promise.all(resolveGroups(groups).map(loadMigrations))).flat().map((m) => `${m.group}/${m.name}`);
    expect(new Set(expected.map((m) => m.split("/")[0]))).toEqual(new Set(["core", "password", "passkey"]));

    const rows = await t.query<{ group: string; name: string; n: number }>(
      `SELECT "group", name, count(*)::int AS n FROM authsome_migrations GROUP BY "group", name`,
    );
    expect(rows.map((r) => `${r.group}/${r.name}`).sort()).toEqual([...expected].sort());
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    // One transaction recorded them all (applied_at defaults to its start): one instance migrated, three found
    // nothing left to do once they had the lock.
    const [runs] = await t.query<{ n: number }>("SELECT count(DISTINCT applied_at)::int AS n FROM authsome_migrations");
    expect(runs?.n).toBe(1);

    // Each start() also ensures the "example" app with its default environment: once.
    const [apps] = await t.query<{ apps: number; envs: number }>(
      `SELECT count(DISTINCT a.id)::int AS apps, count(e.id) FILTER (WHERE e.is_default)::int AS envs
         FROM authsome_apps a LEFT JOIN authsome_environments e ON e.app_id = a.id WHERE a.slug = 'example'`,
    );
    expect(apps).toEqual({ apps: 1, envs: 1 });
  });

  it("locks an account after 5 wrong passwords spread round-robin over the instances: the right one is then refused on every instance", { timeout: caseTimeoutMs }, async () => {
    const ip = newClientIp();
    const email = "lockout@example.com";
    expect((await signUp(servers[0] as Example, ip, email)).status).toBe(201);
    // The password is right (a success also starts the attempt count afresh).
    expect((await signIn(servers[3] as Example, ip, email)).status).toBe(200);

    // No instance sees more than two of the five: a per-process count would never lock.
    for (let attempt = 0; attempt < 5; attempt++) {
      const reply = await signIn(servers[attempt % instances] as Example, ip, email, wrongPassword);
      expect({ attempt, status: reply.status, code: reply.body.code }).toEqual({ attempt, status: 401, code: "invalid_credentials" });
    }
    // The 6th attempt, with the right password, on the next instance — and then on every other one.
    const answers = [];
    for (let k = 0; k < instances; k++) {
      const server = servers[(5 + k) % instances] as Example;
      const reply = await signIn(server, ip, email);
      answers.push({ port: server.port, status: reply.status, code: reply.body.code, retryAfter: Number(reply.headers["retry-after"]) > 0 });
    }
    expect(answers).toEqual(servers.map((_, k) => ({ port: (servers[(5 + k) % instances] as Example).port, status: 429, code: "account_locked", retryAfter: true })));
    // From another client too: the lock is the account's, not the guesser's.
    expect((await signIn(servers[2] as Example, newClientIp(), email)).body.code).toBe("account_locked");
  });

  it("counts a per-IP limit (forgot-password, 10 a minute) in the shared database: exactly the 11th request over the four instances is refused", { timeout: caseTimeoutMs }, async () => {
    // The smallest defaults are sign-up, forgot-password and magic-link send (10 per IP per minute); forgot-password
    // is the cheapest (no hashing, and for an unknown address no mail), and nothing else here uses it.
    const limit = passwordRateLimits.forgotPassword;
    expect(limit).toBe(10);
    const forgot = (server: Example, ip: string) => call(server, "POST", "/forgot-password", { ip, json: { email: "nobody@example.com" } });

    // One after another, round-robin: no instance sees more than 3 of the 11.
    const ip = newClientIp();
    const sequence: Array<{ n: number; port: number; status: number; code?: string }> = [];
    for (let n = 1; n <= limit + 1; n++) {
      const server = servers[(n - 1) % instances] as Example;
      const reply = await forgot(server, ip);
      sequence.push({ n, port: server.port, status: reply.status, ...(reply.status === 429 ? { code: reply.body.code } : {}) });
      if (reply.status === 429) expect(Number(reply.headers["retry-after"])).toBeGreaterThan(0);
    }
    expect(sequence).toEqual(
      Array.from({ length: limit + 1 }, (_, i) => ({
        n: i + 1,
        port: (servers[i % instances] as Example).port,
        status: i < limit ? 200 : 429,
        ...(i < limit ? {} : { code: "rate_limited" }),
      })),
    );
    // Refused on every instance now.
    const after = await Promise.all(servers.map((server) => forgot(server, ip)));
    expect(after.map((r) => [r.status, r.body.code])).toEqual(servers.map(() => [429, "rate_limited"]));
    const [row] = await t.query<{ hits: number }>("SELECT hits FROM authsome_rate_limits WHERE key = $1", [`rl:forgotPassword:${ip}`]);
    expect(row?.hits).toBe(limit + 1 + instances);

    // A concurrent burst of twice the limit from a new client, over all four at once: exactly `limit` get through.
    const burstIp = newClientIp();
    const burst = await Promise.all(Array.from({ length: 2 * limit }, (_, i) => forgot(servers[i % instances] as Example, burstIp)));
    const statuses = burst.map((r) => r.status);
    expect({ ok: statuses.filter((s) => s === 200).length, limited: statuses.filter((s) => s === 429).length }).toEqual({ ok: limit, limited: limit });
  });

  it("refuses a session at once on every instance after it is revoked on one: sign-out, revoking another session, revoking all others", { timeout: caseTimeoutMs }, async () => {
    const ip = newClientIp();
    const email = "revoke@example.com";
    const [s0, s1, s2, s3] = servers as [Example, Example, Example, Example];
    const first = await signUp(s0, ip, email);
    expect(first.status).toBe(201);
    // Four sessions of one user, each made on another instance.
    const others = await Promise.all([s1, s2, s3].map((server) => signIn(server, ip, email)));
    expect(others.map((r) => r.status)).toEqual([200, 200, 200]);
    const [a, b, c, d] = [first, ...others].map((r) => ({ id: r.body.session.id as string, token: r.body.session_token as string, refresh: r.body.refresh_token as string }));
    const A = a as { id: string; token: string; refresh: string };
    const B = b as typeof A;
    const C = c as typeof A;
    const D = d as typeof A;

    // Every session is used on every instance first: whatever an instance might keep of it, it has.
    for (const session of [A, B, C, D]) expect(await sessionStatuses(servers, ip, session.token)).toEqual([200, 200, 200, 200]);

    // Sign-out of B on instance 1: refused everywhere right after the answer; its refresh token too.
    const out = await call(s1, "POST", "/signout", { ip, token: B.token });
    expect({ status: out.status, body: out.body }).toEqual({ status: 200, body: { status: "signed_out" } });
    expect(await sessionStatuses(servers, ip, B.token)).toEqual([401, 401, 401, 401]);
    expect((await refresh(s3, ip, B.refresh)).status).toBe(401);
    for (const session of [A, C, D]) expect(await sessionStatuses(servers, ip, session.token)).toEqual([200, 200, 200, 200]);

    // Revoking another session: D, by A, on instance 2.
    const revoked = await call(s2, "DELETE", `/sessions/${D.id}`, { ip, token: A.token });
    expect({ status: revoked.status, body: revoked.body }).toEqual({ status: 200, body: { status: "ok" } });
    expect(await sessionStatuses(servers, ip, D.token)).toEqual([401, 401, 401, 401]);
    for (const session of [A, C]) expect(await sessionStatuses(servers, ip, session.token)).toEqual([200, 200, 200, 200]);

    // Revoking all the others: by A on instance 3; C ends everywhere, A goes on everywhere.
    const all = await call(s3, "DELETE", "/sessions", { ip, token: A.token });
    expect({ status: all.status, body: all.body }).toEqual({ status: 200, body: { status: "ok", revoked: 1 } });
    expect(await sessionStatuses(servers, ip, C.token)).toEqual([401, 401, 401, 401]);
    expect(await sessionStatuses(servers, ip, A.token)).toEqual([200, 200, 200, 200]);
    const list = await call(s1, "GET", "/sessions", { ip, token: A.token });
    expect(list.body.items.map((s: { id: string; current: boolean }) => [s.id, s.current])).toEqual([[A.id, true]]);

    // And A's own sign-out on instance 0 ends it on all four.
    expect((await call(s0, "POST", "/signout", { ip, token: A.token })).status).toBe(200);
    expect(await sessionStatuses(servers, ip, A.token)).toEqual([401, 401, 401, 401]);
  });

  it("gives one refresh token sent to all four instances at the same moment exactly one winner, round after round; the winner's tokens work everywhere", { timeout: caseTimeoutMs }, async () => {
    const rounds = 10; // 40 refreshes from one client: within the refresh limit (60 a minute)
    const ip = newClientIp();
    const start = await signUp(servers[0] as Example, ip, "refresh-race@example.com");
    expect(start.status).toBe(201);
    let current: Tokens = { session_token: start.body.session_token, refresh_token: start.body.refresh_token };
    const wins = new Map<number, number>();

    for (let round = 0; round < rounds; round++) {
      const replies = await Promise.all(servers.map((server) => refresh(server, ip, current.refresh_token)));
      const outcome = replies.map((r) => (r.status === 200 ? 200 : `${r.status} ${r.body.code}`));
      const winners = replies.filter((r) => r.status === 200);
      expect({ round, winners: winners.length, losers: outcome.filter((o) => o !== 200) }).toEqual({
        round,
        winners: 1,
        losers: ["401 invalid_refresh_token", "401 invalid_refresh_token", "401 invalid_refresh_token"],
      });
      const winnerAt = replies.findIndex((r) => r.status === 200);
      wins.set(winnerAt, (wins.get(winnerAt) ?? 0) + 1);
      const next: Tokens = { session_token: winners[0]?.body.session_token, refresh_token: winners[0]?.body.refresh_token };
      expect(next.session_token).not.toBe(current.session_token);
      expect(next.refresh_token).not.toBe(current.refresh_token);
      // The new access token on every instance; the old one on none (the losers did not revoke the family).
      expect(await sessionStatuses(servers, ip, next.session_token)).toEqual([200, 200, 200, 200]);
      expect(await sessionStatuses(servers, ip, current.session_token)).toEqual([401, 401, 401, 401]);
      current = next;
    }
    console.log(`[instances] refresh races: ${rounds} rounds, winners by instance ${JSON.stringify(servers.map((_, i) => wins.get(i) ?? 0))}`);
  });

  it("serves a mixed load over the four instances (200 requests, 50 users, 16 at once) with no 5xx; every user signed up signs in on every instance", { timeout: caseTimeoutMs }, async () => {
    const users = 50;
    const concurrency = 16;
    const perInstance = servers.map(() => 0);
    const statusCounts = new Map<number, number>();
    let sent = 0;
    /** Round-robin over requests (not users): one user's steps land on different instances. */
    const next = () => {
      const index = sent++ % instances;
      perInstance[index] = (perInstance[index] ?? 0) + 1;
      return servers[index] as Example;
    };
    const surprises: unknown[] = [];
    const expectStatus = (user: number, step: string, reply: Reply, status: number) => {
      statusCounts.set(reply.status, (statusCounts.get(reply.status) ?? 0) + 1);
      if (reply.status !== status) surprises.push({ user, step, expected: status, got: reply.status, body: reply.body });
      return reply.status === status;
    };
    const signedUp: Array<{ email: string; ip: string }> = [];

    // Four requests per user: sign-up, a session check, then by user one of four endings.
    const journey = (u: number) => async () => {
      const ip = newClientIp();
      const email = `load-${u}@example.com`;
      const up = await signUp(next(), ip, email);
      if (!expectStatus(u, "signup", up, 201)) return;
      signedUp.push({ email, ip });
      const token = up.body.session_token as string;
      if (!expectStatus(u, "session", await sessionOf(next(), ip, token), 200)) return;
      switch (u % 4) {
        case 0: {
          const rotated = await refresh(next(), ip, up.body.refresh_token);
          if (expectStatus(u, "refresh", rotated, 200)) expectStatus(u, "session after refresh", await sessionOf(next(), ip, rotated.body.session_token), 200);
          break;
        }
        case 1: // a wrong password (one failed attempt: far from the lockout), then sign-out
          expectStatus(u, "wrong password", await signIn(next(), ip, email, wrongPassword), 401);
          expectStatus(u, "signout", await call(next(), "POST", "/signout", { ip, token }), 200);
          break;
        case 2:
          expectStatus(u, "signin", await signIn(next(), ip, email), 200);
          expectStatus(u, "refresh", await refresh(next(), ip, up.body.refresh_token), 200);
          break;
        default:
          expectStatus(u, "signout", await call(next(), "POST", "/signout", { ip, token }), 200);
          expectStatus(u, "session after signout", await sessionOf(next(), ip, token), 401);
      }
    };

    const began = performance.now();
    await pooled(Array.from({ length: users }, (_, u) => journey(u)), concurrency);
    const elapsed = performance.now() - began;
    const figures = {
      requests: sent,
      users,
      concurrency,
      elapsedMs: Math.round(elapsed),
      reqPerSec: Math.round((sent / elapsed) * 1000 * 10) / 10,
      perInstance,
      statuses: Object.fromEntries([...statusCounts].sort(([x], [y]) => x - y)),
    };
    console.log(`[instances] mixed load: ${JSON.stringify(figures)}`);
    expect(surprises).toEqual([]);
    expect([...statusCounts.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(sent).toBe(4 * users);
    expect(perInstance).toEqual(servers.map(() => users));
    expect(signedUp).toHaveLength(users);

    // Every account made under load signs in on every instance.
    const checkBegan = performance.now();
    const checks = await pooled(
      signedUp.flatMap(({ email, ip }) => servers.map((server) => async () => ({ email, port: server.port, status: (await signIn(server, ip, email)).status }))),
      concurrency,
    );
    console.log(`[instances] sign-in check: ${checks.length} sign-ins in ${Math.round(performance.now() - checkBegan)} ms`);
    expect(checks.filter((c) => c.status !== 200)).toEqual([]);
    expect(checks).toHaveLength(users * instances);
  });
});
