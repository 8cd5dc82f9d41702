/**
 * `npm run bench` — Authsome's benchmark, every figure beside a baseline measured in the same run, on PostgreSQL
 * (BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/postgres; the harness creates its own
 * databases and drops them, even on failure or Ctrl-C) and, for cold start, PGlite:
 *
 *  1. Session check — GET /session with bearer tokens rotating over ~1,000 seeded sessions, over real HTTP with a
 *     bounded load (autocannon: fixed duration and connections), through the real routes and middleware, against
 *     the ceiling (bare node:http: hash, one joined lookup, same JSON, same pool size) and better-auth (its Drizzle
 *     adapter, same PostgreSQL, its defaults, get-session with its cookie). Throughput, p50/p99, ratios.
 *  2. Sign-in — POST /signin throughput against bare argon2id verification at the same parameters and concurrency;
 *     and the medians of sign-in with an unknown email and with a wrong password, side by side; likewise
 *     forgot-password and the verification resend with a known (unverified) address and an unknown one (bar: the
 *     two medians within 1.2× of each other). The servers' mailer discards what it is given.
 *  3. Round trips — statements per request (session check, sign-in, sign-up, refresh, sign-out); with `mfa()` and
 *     `passkey()` mounted too, sign-up and sign-in of a user without a second factor, the MFA challenge of a TOTP user
 *     and that user's passkey sign-in (login options and verify). And the challenge's time, and a passkey sign-in's,
 *     against a password sign-in without MFA — sequential, in process, medians side by side.
 *  4. Pagination — a users page at depth 1,000,000 against the first page.
 *  5. Migrations — fresh and up-to-date `start()`, `store.migrate` of every group, PGlite cold start.
 *  6. Memory — the Authsome server's RSS after the session-check load.
 *
 * Every server under test runs in a child process of its own (bench/servers/), the load generator in this one.
 * Servers are interleaved within each repetition (Authsome, ceiling, better-auth, then again) to spread drift;
 * every figure is the median of at least 3 repetitions, with min and max. Results: bench/results.json and a table.
 *   npm run bench [-- --quick] [-- --seconds 10 --connections 32,128 --reps 5 --signin-connections 32 --pglite]
 * (--pglite adds Authsome on an in-memory PGlite database to the session check.)
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { drizzle } from "drizzle-orm/node-postgres";
import * as OTPAuth from "otpauth";
import pg from "pg";
import type { Store, User } from "../src/store/contract/index.js";
import { createPool } from "../src/store/postgres/pool.js";
import { postgresStore } from "../src/store/postgres/store.js";
import { countPool, type QueryCounter } from "../src/store/query-counter.js";
import { SoftAuthenticator } from "../test/support/webauthn-authenticator.js";
import {
  type BenchDatabase,
  type CreatedDatabase,
  createBenchDatabase,
  dropBenchDatabase,
  median,
  withAdmin,
  withBenchDatabase,
} from "./database.js";
import { type LoadRequest, type LoadResult, runLoad } from "./load.js";
import { measureMigrations, measureStart, type MigrationSamples, type StartSample } from "./migrate.js";
import { measurePagination, pct, type PaginationResult, seedPaginationUsers } from "./store.js";
import type { BetterAuthDetails } from "./servers/better-auth.js";
import type { AuthsomePgliteDetails } from "./servers/authsome-pglite.js";
import {
  authsomeBasePath,
  benchPoolSize,
  raisedMfaRateLimits,
  raisedPasskeyRateLimits,
  raisedRateLimit,
  raisedRateLimits,
  seedPassword,
} from "./servers/config.js";
import { type BenchAuth, createBenchAuth, type SeededAuthsome, seedAuthsome } from "./servers/seed.js";
import { killAllServers, type ServerProcess, spawnServer, stopAllServers } from "./servers/spawn.js";

// ---------------------------------------------------------------------------------------------------------------
// Settings

interface Settings {
  mode: "quick" | "full";
  /** Measured seconds per load run (session check and sign-in). */
  seconds: number;
  /** Unrecorded load before a server's first measured run. */
  warmupSeconds: number;
  connections: number[];
  signInConnections: number;
  reps: number;
  users: number;
  sessions: number;
  betterAuthSessions: number;
  enumerationSamples: number;
  roundTripReps: number;
  /** Sign-ins without MFA, and sign-ins answered with a TOTP code, timed side by side. */
  mfaTimingSamples: number;
  paginationDepth: number;
  paginationSamples: number;
  migrationReps: number;
  pgliteBaseline: boolean;
  /** Also measure the session check of Authsome on an in-memory PGlite database. */
  pglite: boolean;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      seconds: { type: "string" },
      connections: { type: "string" },
      reps: { type: "string" },
      "signin-connections": { type: "string" },
      pglite: { type: "boolean", default: false },
    },
  });
  const quick = values.quick === true;
  const positive = (name: string, raw: string | undefined, fallback: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const connections = (values.connections ?? "32,128").split(",").map((c) => positive("connections", c, 0));
  // Five in a full run: on a shared 2-core machine single runs drift by ±15 %, and the median of five pairs moves less.
  const reps = Math.round(positive("reps", values.reps, quick ? 3 : 5));
  if (reps < 3) console.warn(`bench: --reps ${reps} is below 3: figures will not meet the "median of at least 3" rule`);
  return {
    mode: quick ? "quick" : "full",
    seconds: positive("seconds", values.seconds, quick ? 2.5 : 10),
    warmupSeconds: quick ? 1 : 4,
    connections,
    signInConnections: Math.round(positive("signin-connections", values["signin-connections"], 32)),
    reps,
    users: 64,
    sessions: 1_000,
    // better-auth seeds through its real sign-up (scrypt in JavaScript, ~0.1-0.2 s each on a small machine): the
    // longest part of the set-up. Its get-session reads the database on every request either way.
    betterAuthSessions: quick ? 32 : 200,
    enumerationSamples: quick ? 20 : 50,
    roundTripReps: 3,
    mfaTimingSamples: quick ? 20 : 50,
    paginationDepth: 1_000_000,
    paginationSamples: quick ? 100 : 300,
    migrationReps: quick ? 3 : 5,
    pgliteBaseline: !quick,
    pglite: values.pglite === true,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics and formatting

interface Stat {
  median: number;
  min: number;
  max: number;
}

const stat = (xs: number[]): Stat => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const fmtRps = (s: Stat) => `${fixed(s.median, 0)} req/s (${fixed(s.min, 0)}–${fixed(s.max, 0)})`;
const fmtMs = (s: Stat, digits = 2) => `${fixed(s.median, digits)} ms (${fixed(s.min, digits)}–${fixed(s.max, digits)})`;
const fmtRatio = (s: Stat) => `${fixed(s.median, 2)}× (${fixed(s.min, 2)}–${fixed(s.max, 2)})`;
const fmtCount = (s: Stat) => (s.min === s.max ? `${s.median}` : `${s.median} (${s.min}–${s.max})`);
const mb = (bytes: number) => bytes / 1_048_576;
const verdict = (pass: boolean) => (pass ? "PASS" : "MISS");
const log = (message: string) => console.log(`· ${message}`);

// ---------------------------------------------------------------------------------------------------------------
// Interruption and cleanup: the first Ctrl-C (or SIGTERM) stops the servers and the current load, and the run
// unwinds through its `finally` blocks (dropping its databases); a second one exits at once.

const interruption = new AbortController();
let interrupts = 0;

function interrupt(): void {
  interrupts++;
  if (interrupts > 1) {
    killAllServers();
    process.exit(130);
  }
  console.error("\nbench: interrupted — stopping the servers and dropping the databases (Ctrl-C again to quit at once)");
  interruption.abort();
  void stopAllServers();
}
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);
process.on("exit", killAllServers);

function checkpoint(): void {
  if (interruption.signal.aborted) throw new Error("interrupted");
}

// ---------------------------------------------------------------------------------------------------------------
// Databases of the run (on the BENCH_DATABASE_URL server)

// ---------------------------------------------------------------------------------------------------------------
// The harness's own engine: same configuration as the Authsome server, on a pool whose statements are counted.
// It migrates and seeds the database, and the round trips are counted through it. Beside it, on the same store and
// pool, the same engine with `mfa()` and `passkey({ rpId: "localhost" })` mounted too (their limits raised like the
// others): the MFA and passkey rows are counted and timed through that one, so the rows of the servers'
// configuration stay as they are.

interface Harness {
  auth: BenchAuth;
  /** `password()`, `mfa()` and `passkey()`: the MFA and passkey rows, and what mounting them costs sign-up and sign-in. */
  mfaAuth: BenchAuth;
  store: Store;
  counter: QueryCounter;
  pool: pg.Pool;
  close(): Promise<void>;
}

async function openHarness(databaseUrl: string): Promise<Harness> {
  const pool = createPool(databaseUrl, { max: benchPoolSize });
  const counter = countPool(pool);
  const store = postgresStore(drizzle(pool));
  const auth = createBenchAuth(store);
  await auth.start();
  const mfaAuth = createBenchAuth(store, { mfa: true, passkey: true });
  await mfaAuth.start(); // migrates the mfa and passkey groups (the servers under test ignore their tables)
  return {
    auth,
    mfaAuth,
    store,
    counter,
    pool,
    async close() {
      await mfaAuth.stop();
      await auth.stop();
      await store.close();
    },
  };
}

interface Seeded extends SeededAuthsome {
  /** One seeded user's argon2id PHC string (for the bare argon2 server). */
  phc: string;
}

async function seedDatabase(harness: Harness, settings: Settings): Promise<Seeded> {
  const seeded = await seedAuthsome(harness.auth, harness.store, {
    users: settings.users,
    sessionUsers: settings.sessions - settings.users,
    sessions: settings.sessions,
    insertConcurrency: benchPoolSize,
  });
  await harness.pool.query("VACUUM (ANALYZE)"); // statistics as production has them, and no autovacuum pass mid-run
  const phcRow = await harness.pool.query<{ hash: string }>("SELECT hash FROM authsome_password_hashes WHERE user_id = $1", [seeded.users[0]!.id]);
  return { ...seeded, phc: phcRow.rows[0]!.hash };
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips: statements per request through the real routes (`auth.handler`), on the counted pool

interface CallResult {
  status: number;
  body: Record<string, unknown>;
}

async function call(auth: BenchAuth, method: "GET" | "POST", path: string, init: { token?: string; body?: unknown } = {}): Promise<CallResult> {
  const headers: Record<string, string> = { "user-agent": "authsome-bench" };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const request = new Request(`http://127.0.0.1${authsomeBasePath}${path}`, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const response = await auth.handler(request);
  if (counting) counting.atResponse = counting.counter.count; // before the mail queue's first turn
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function expectStatus(label: string, result: CallResult, status: number): CallResult {
  if (result.status !== status) throw new Error(`${label}: expected ${status}, got ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
  return result;
}

const routes = [
  "GET /session",
  "POST /signin",
  "POST /signup",
  "POST /refresh",
  "POST /signout",
  "POST /signup (mfa() mounted)",
  "POST /signin (mfa() mounted, no second factor)",
  "POST /signin (TOTP on: 403 mfa_required)",
  "POST /mfa/challenge",
  "POST /passkeys/login/options",
  "POST /passkeys/login/verify (TOTP on, user verified)",
] as const;
type Route = (typeof routes)[number];

interface Counted {
  /** Statements sent before the response was ready. */
  count: number;
  /** Statements the request caused after its response: the mail queue's (recipient limit, outbox row). */
  after: number;
  statements: string[];
}

/** Set while `counted` runs: `call` notes the count at the moment the response is ready. */
let counting: { counter: QueryCounter; atResponse: number | null } | null = null;

async function counted(counter: QueryCounter, auth: BenchAuth, fn: () => Promise<unknown>): Promise<Counted> {
  counter.reset();
  counting = { counter, atResponse: null };
  try {
    await fn();
    const count = counting.atResponse ?? counter.count;
    await new Promise((resolve) => setImmediate(resolve)); // anything the response did not wait for
    await auth.flushMail();
    return { count, after: counter.count - count, statements: counter.statements.slice(0, count).map((s) => s.replace(/\s+/g, " ").slice(0, 160)) };
  } finally {
    counting = null;
  }
}

/** One pass over every route with a fresh user; returns the statements each request sent. */
async function roundTripPass(harness: Harness, label: string): Promise<Record<Route, Counted>> {
  const { auth, counter } = harness;
  const credentials = { email: `roundtrip-${label}@example.com`, password: seedPassword };
  const out = {} as Record<Route, Counted>;
  out["POST /signup"] = await counted(counter, auth, async () => expectStatus("POST /signup", await call(auth, "POST", "/signup", { body: credentials }), 201));
  let signedIn: CallResult | undefined;
  out["POST /signin"] = await counted(counter, auth, async () => {
    signedIn = expectStatus("POST /signin", await call(auth, "POST", "/signin", { body: credentials }), 200);
  });
  const sessionToken = signedIn!.body.session_token as string;
  const refreshToken = signedIn!.body.refresh_token as string;
  out["GET /session"] = await counted(counter, auth, async () => expectStatus("GET /session", await call(auth, "GET", "/session", { token: sessionToken }), 200));
  let refreshed: CallResult | undefined;
  out["POST /refresh"] = await counted(counter, auth, async () => {
    refreshed = expectStatus("POST /refresh", await call(auth, "POST", "/refresh", { body: { refresh_token: refreshToken } }), 200);
  });
  const newToken = refreshed!.body.session_token as string;
  out["POST /signout"] = await counted(counter, auth, async () => expectStatus("POST /signout", await call(auth, "POST", "/signout", { token: newToken }), 200));

  // With mfa() mounted: a fresh user signs up and signs in (no second factor yet: the gate lets them through), turns
  // TOTP on with that session, and signs in again: the 403's ticket is answered with the next step's code.
  const { mfaAuth } = harness;
  const mfaCredentials = { email: `roundtrip-mfa-${label}@example.com`, password: seedPassword };
  let mfaSignedUp: CallResult | undefined;
  out["POST /signup (mfa() mounted)"] = await counted(counter, mfaAuth, async () => {
    mfaSignedUp = expectStatus("POST /signup (mfa() mounted)", await call(mfaAuth, "POST", "/signup", { body: mfaCredentials }), 201);
  });
  out["POST /signin (mfa() mounted, no second factor)"] = await counted(counter, mfaAuth, async () =>
    expectStatus("POST /signin (mfa() mounted)", await call(mfaAuth, "POST", "/signin", { body: mfaCredentials }), 200),
  );
  const app = await enrolTotp(mfaAuth, mfaSignedUp!.body.session_token as string);
  await mfaAuth.flushMail(); // the "MFA turned on" mail's statements belong to the set-up, not to the next row
  let ticket: string | undefined;
  out["POST /signin (TOTP on: 403 mfa_required)"] = await counted(counter, mfaAuth, async () => {
    ticket = await mfaTicket(mfaAuth, mfaCredentials.email);
  });
  const code = nextStepCode(app);
  out["POST /mfa/challenge"] = await counted(counter, mfaAuth, async () =>
    expectStatus("POST /mfa/challenge", await call(mfaAuth, "POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code } }), 200),
  );

  // The same user adds a passkey (the software authenticator of the tests) and signs in with it, no email typed: user
  // verification passes the MFA gate.
  const authenticator = await registerPasskey(mfaAuth, mfaSignedUp!.body.session_token as string);
  let login: CallResult | undefined;
  out["POST /passkeys/login/options"] = await counted(counter, mfaAuth, async () => {
    login = expectStatus("POST /passkeys/login/options", await call(mfaAuth, "POST", "/passkeys/login/options", {}), 200);
  });
  const assertion = authenticator.authenticate(login!.body.options as never, passkeyOrigin);
  out["POST /passkeys/login/verify (TOTP on, user verified)"] = await counted(counter, mfaAuth, async () =>
    expectStatus("POST /passkeys/login/verify", await call(mfaAuth, "POST", "/passkeys/login/verify", { body: { ceremony_id: login!.body.ceremony_id, response: assertion } }), 200),
  );
  return out;
}

/** Any `http://localhost:<port>` may use credentials of the RP `localhost`. */
const passkeyOrigin = "http://localhost:3000";

/** Registers a passkey for the session's user through the routes; the authenticator that holds it. */
async function registerPasskey(auth: BenchAuth, token: string): Promise<SoftAuthenticator> {
  const authenticator = new SoftAuthenticator();
  const options = expectStatus("passkey set-up: POST /passkeys/register/options", await call(auth, "POST", "/passkeys/register/options", { token, body: {} }), 200);
  const response = authenticator.register(options.body.options as never, passkeyOrigin);
  expectStatus("passkey set-up: POST /passkeys/register/verify", await call(auth, "POST", "/passkeys/register/verify", { token, body: { response } }), 201);
  await auth.flushMail(); // the "passkey added" mail belongs to the set-up
  return authenticator;
}

// ---------------------------------------------------------------------------------------------------------------
// MFA: users who turned TOTP on through the routes (otpauth is the authenticator app, at the real clock), and the
// challenge's time against a sign-in without MFA.

interface TotpUser {
  email: string;
  app: OTPAuth.TOTP;
}

/** Turns TOTP on for the session's user (enroll, then verify with the app's current code); returns the app. */
async function enrolTotp(auth: BenchAuth, token: string): Promise<OTPAuth.TOTP> {
  const enrolment = expectStatus("MFA set-up: POST /mfa/totp/enroll", await call(auth, "POST", "/mfa/totp/enroll", { token, body: {} }), 200);
  const app = OTPAuth.URI.parse(enrolment.body.otpauth_url as string);
  if (!(app instanceof OTPAuth.TOTP)) throw new Error("MFA set-up: the enrolment's key URI is not a TOTP one");
  expectStatus("MFA set-up: POST /mfa/totp/verify", await call(auth, "POST", "/mfa/totp/verify", { token, body: { code: app.generate() } }), 200);
  return app;
}

/** Signs `email` up and turns TOTP on, through the routes. */
async function signUpWithTotp(auth: BenchAuth, email: string): Promise<TotpUser> {
  const signedUp = expectStatus("MFA set-up: POST /signup", await call(auth, "POST", "/signup", { body: { email, password: seedPassword } }), 201);
  const app = await enrolTotp(auth, signedUp.body.session_token as string);
  await auth.flushMail(); // its mail (MFA turned on) is sent before anything is timed
  return { email, app };
}

/** A password sign-in of a TOTP user: 403 `mfa_required` with its ticket. */
async function mfaTicket(auth: BenchAuth, email: string): Promise<string> {
  const challenged = expectStatus("POST /signin (TOTP on)", await call(auth, "POST", "/signin", { body: { email, password: seedPassword } }), 403);
  if (challenged.body.code !== "mfa_required") throw new Error(`POST /signin (TOTP on): expected mfa_required, got ${JSON.stringify(challenged.body).slice(0, 300)}`);
  return (challenged.body.details as Record<string, unknown>).mfa_ticket as string;
}

/**
 * The code for the next 30-second step. The replay guard records the step each code was accepted for (the verify's
 * included) and takes only later ones; the verifier accepts one step of drift either way, so the next step's code
 * works now — once per user, until the clock reaches that step.
 */
const nextStepCode = (app: OTPAuth.TOTP) => app.generate({ timestamp: Date.now() + 30_000 });

interface MfaTimingFigure {
  samples: number;
  /** POST /signin of a user without MFA, in the engine without `mfa()` (200, a session). */
  sign_in_without_mfa_ms: Stat;
  /** POST /signin of a TOTP user (403 mfa_required, a ticket). */
  sign_in_with_mfa_ms: Stat;
  /** POST /mfa/challenge with a TOTP code (200, a session). */
  challenge_ms: Stat;
  /** The two together: what a TOTP user's sign-in takes. */
  sign_in_and_challenge_ms: Stat;
  /** median(challenge) / median(sign-in without MFA). */
  challenge_ratio: number;
  /** median(sign-in + challenge) / median(sign-in without MFA). */
  total_ratio: number;
  /** POST /passkeys/login/options + POST /passkeys/login/verify of a TOTP user (user verified: 200, a session). */
  passkey_sign_in_ms: Stat;
  /** median(passkey sign-in) / median(sign-in without MFA). */
  passkey_ratio: number;
}

async function timedCall(auth: BenchAuth, path: string, body: unknown, status: number): Promise<{ ms: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const result = await call(auth, "POST", path, { body });
  const ms = performance.now() - started;
  expectStatus(`MFA timing: POST ${path}`, result, status);
  return { ms, body: result.body };
}

/**
 * `samples` (+ warm-up) sequential rounds through the harness's engines, in process: a sign-in of a user without MFA
 * (the engine without `mfa()`, as the servers run), and a TOTP user's sign-in (403 with a ticket) answered at
 * POST /mfa/challenge with the next step's code (the engine with `mfa()`) — one TOTP user per round (the replay
 * guard allows each one challenge per step), the order swapped every round — then a passkey sign-in of a TOTP user
 * (options and verify; user verification passes the gate).
 */
async function measureMfaTiming(harness: Harness, samples: number): Promise<MfaTimingFigure> {
  const { auth, mfaAuth } = harness;
  const tag = randomBytes(3).toString("hex");
  const plain = `mfa-timing-plain-${tag}@example.com`;
  expectStatus("MFA timing: POST /signup", await call(auth, "POST", "/signup", { body: { email: plain, password: seedPassword } }), 201);
  const rounds = samples + sideBySideWarmup;
  const totpUsers: TotpUser[] = [];
  for (let i = 0; i < rounds; i++) totpUsers.push(await signUpWithTotp(mfaAuth, `mfa-timing-${i}-${tag}@example.com`));
  // A TOTP user with a passkey: its sign-in passes the gate on user verification alone.
  const passkeyUser = await signUpWithTotp(mfaAuth, `mfa-timing-passkey-${tag}@example.com`);
  const passkeySession = expectStatus("passkey set-up: POST /signin", await call(mfaAuth, "POST", "/signin", { body: { email: passkeyUser.email, password: seedPassword } }), 403);
  const passkeyToken = (
    await timedCall(mfaAuth, "/mfa/challenge", { mfa_ticket: (passkeySession.body.details as Record<string, unknown>).mfa_ticket, code: nextStepCode(passkeyUser.app) }, 200)
  ).body.session_token as string;
  const authenticator = await registerPasskey(mfaAuth, passkeyToken);
  const withPasskey = async () => {
    const options = await timedCall(mfaAuth, "/passkeys/login/options", {}, 200);
    const response = authenticator.authenticate(options.body.options as never, passkeyOrigin);
    const verify = await timedCall(mfaAuth, "/passkeys/login/verify", { ceremony_id: options.body.ceremony_id, response }, 200);
    return options.ms + verify.ms;
  };
  const times = { plain: [] as number[], signIn: [] as number[], challenge: [] as number[], passkey: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    checkpoint();
    const withoutMfa = () => timedCall(auth, "/signin", { email: plain, password: seedPassword }, 200);
    const withMfa = async () => {
      const user = totpUsers[i]!;
      const signIn = await timedCall(mfaAuth, "/signin", { email: user.email, password: seedPassword }, 403);
      const ticket = (signIn.body.details as Record<string, unknown>).mfa_ticket as string;
      const challenge = await timedCall(mfaAuth, "/mfa/challenge", { mfa_ticket: ticket, code: nextStepCode(user.app) }, 200);
      return { signIn: signIn.ms, challenge: challenge.ms };
    };
    let plainMs: number;
    let mfa: { signIn: number; challenge: number };
    const passkeyFirst = i % 2 === 0 ? await withPasskey() : 0;
    if (i % 2 === 0) {
      plainMs = (await withoutMfa()).ms;
      mfa = await withMfa();
    } else {
      mfa = await withMfa();
      plainMs = (await withoutMfa()).ms;
    }
    // The passkey sign-in alternates too: before the pair on even rounds, after it on odd ones.
    const passkeyMs = i % 2 === 0 ? passkeyFirst : await withPasskey();
    if (i < sideBySideWarmup) continue;
    times.passkey.push(passkeyMs);
    times.plain.push(plainMs);
    times.signIn.push(mfa.signIn);
    times.challenge.push(mfa.challenge);
  }
  const totals = times.signIn.map((ms, i) => ms + times.challenge[i]!);
  return {
    samples,
    sign_in_without_mfa_ms: stat(times.plain),
    sign_in_with_mfa_ms: stat(times.signIn),
    challenge_ms: stat(times.challenge),
    sign_in_and_challenge_ms: stat(totals),
    challenge_ratio: median(times.challenge) / median(times.plain),
    total_ratio: median(totals) / median(times.plain),
    passkey_sign_in_ms: stat(times.passkey),
    passkey_ratio: median(times.passkey) / median(times.plain),
  };
}

interface RoundTripFigure extends Stat {
  /** The statements of the last counted request (whitespace collapsed, truncated). */
  statements: string[];
  /** Most statements the request caused after its response (mail), not part of its round trips. */
  after_response_max: number;
  bar: string | null;
  pass: boolean | null;
}

/** quality.md's bars (sign-up and refresh also require one transaction, which the tests check). */
const roundTripBars: Partial<Record<Route, { text: string; test: (n: number) => boolean }>> = {
  "GET /session": { text: "= 1", test: (n) => n === 1 },
  "POST /signin": { text: "≤ 5", test: (n) => n <= 5 },
  "POST /signup": { text: "≤ 6", test: (n) => n <= 6 },
  "POST /refresh": { text: "≤ 4", test: (n) => n <= 4 },
  "POST /signout": { text: "≤ 2", test: (n) => n <= 2 },
  // Mounting a plugin does not lift the bars.
  "POST /signup (mfa() mounted)": { text: "≤ 6", test: (n) => n <= 6 },
  "POST /signin (mfa() mounted, no second factor)": { text: "≤ 5", test: (n) => n <= 5 },
  "POST /signin (TOTP on: 403 mfa_required)": { text: "≤ 5", test: (n) => n <= 5 },
  // The answer (counted on the IP limit, the ticket and the account, the user read), the replay guard's step, and the
  // session, which consumes the ticket.
  "POST /mfa/challenge": { text: "≤ 3", test: (n) => n <= 3 },
  "POST /passkeys/login/verify (TOTP on, user verified)": { text: "≤ 3", test: (n) => n <= 3 },
};

async function measureRoundTrips(harness: Harness, reps: number): Promise<Record<Route, RoundTripFigure>> {
  await roundTripPass(harness, `warmup-${randomBytes(3).toString("hex")}`);
  const passes: Array<Record<Route, Counted>> = [];
  for (let i = 0; i < reps; i++) passes.push(await roundTripPass(harness, `${i}-${randomBytes(3).toString("hex")}`));
  const out = {} as Record<Route, RoundTripFigure>;
  for (const route of routes) {
    const s = stat(passes.map((p) => p[route].count));
    const bar = roundTripBars[route];
    out[route] = {
      ...s,
      statements: passes.at(-1)![route].statements,
      after_response_max: Math.max(...passes.map((p) => p[route].after)),
      bar: bar?.text ?? null,
      pass: bar ? bar.test(s.max) : null,
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Load figures

interface RunRecord {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface LoadFigure extends Stat {
  /** Medians over the repetitions, ms. */
  p50: number;
  p99: number;
  failed: boolean;
  runs: RunRecord[];
}

interface Target {
  key: string;
  label: string;
  url: string;
  requests: LoadRequest[];
}

const failures: string[] = [];

function recordFailure(what: string, result: LoadResult): void {
  const codes = Object.entries(result.statusCodes).map(([code, n]) => `${code}×${n}`).join(", ");
  const message = `${what}: ${result.non2xx} non-2xx${codes ? ` (${codes})` : ""}, ${result.errors} errors, ${result.timeouts} timeouts`;
  failures.push(message);
  console.error(`\n!!!!!!!! FAILED RUN — ${message}\n`);
}

async function load(target: Target, connections: number, seconds: number, what: string): Promise<LoadResult> {
  checkpoint();
  const result = await runLoad({ url: target.url, requests: target.requests, connections, seconds, signal: interruption.signal });
  checkpoint();
  if (result.failed) recordFailure(`${target.label} ${what} @${connections} connections`, result);
  return result;
}

function summarizeLoad(results: LoadResult[]): LoadFigure {
  return {
    ...stat(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    failed: results.some((r) => r.failed),
    runs: results.map(({ rps, p50, p99, non2xx, errors, timeouts }) => ({ rps, p50, p99, non2xx, errors, timeouts })),
  };
}

/** Paired ratios a[i] / b[i] of runs made back to back in the same repetition. */
const pairedRatio = (a: LoadResult[], b: LoadResult[]) => stat(a.map((r, i) => r.rps / b[i]!.rps));
/** Per-repetition p99 latency ratios (lower is better). */
const pairedP99Ratio = (a: LoadResult[], b: LoadResult[]) => stat(a.map((r, i) => r.p99 / b[i]!.p99));

/** Unrecorded load on each target (JIT, pools, caches), at the first connection count. */
async function warmUp(targets: Target[], connections: number, settings: Settings, what: string): Promise<void> {
  for (const target of targets) {
    log(`${what}: warming up ${target.label} (${settings.warmupSeconds} s)`);
    await load(target, connections, settings.warmupSeconds, `${what} warm-up`);
  }
}

/**
 * Measures every target at every connection count: `reps` repetitions, each running the targets one after
 * another, after a warm-up of each at that count. `quiet` resolves when no set-up work is left running beside the
 * servers; warm-ups and measured runs wait for it.
 */
async function measureInterleaved(targets: Target[], connectionCounts: number[], settings: Settings, what: string, quiet?: Promise<unknown>) {
  await quiet;
  const out: Record<string, Record<string, LoadResult[]>> = {};
  for (const connections of connectionCounts) {
    // At every connection count, with nothing else running: a server's JIT and heap settle at the load they serve.
    await warmUp(targets, connections, settings, what);
    const runs: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.key, []]));
    for (let rep = 1; rep <= settings.reps; rep++) {
      for (const target of targets) {
        const result = await load(target, connections, settings.seconds, what);
        runs[target.key]!.push(result);
        log(`${what} @${connections} rep ${rep}/${settings.reps} ${target.label}: ${fixed(result.rps, 0)} req/s, p50 ${fixed(result.p50, 2)} ms, p99 ${fixed(result.p99, 2)} ms${result.failed ? "  FAILED" : ""}`);
      }
    }
    out[String(connections)] = runs;
  }
  return out;
}

interface SessionCheckFigure {
  authsome: LoadFigure;
  ceiling: LoadFigure;
  better_auth: LoadFigure;
  ratio_ceiling: Stat;
  ratio_better_auth: Stat;
  /** Authsome's p99 latency over the ceiling's. */
  p99_ratio_ceiling: Stat;
  bars: {
    ceiling: { min_ratio: number; pass: boolean };
    better_auth: { min_ratio: number; pass: boolean };
    p99_ceiling: { max_ratio: number; pass: boolean };
  };
  /** With --pglite: Authsome on in-memory PGlite, and its ratio to Authsome on PostgreSQL (no bar). */
  authsome_pglite?: LoadFigure;
  ratio_pglite_postgres?: Stat;
}

interface SessionCheckTargets {
  authsome: Target;
  ceiling: Target;
  betterAuth: Target;
  authsomePglite?: Target;
}

const sessionBars = { ceiling: 0.85, betterAuth: 5, p99Ceiling: 1.5 };

async function measureSessionCheck(targets: SessionCheckTargets, settings: Settings, quiet: Promise<unknown>) {
  const list = [targets.authsome, targets.ceiling, targets.betterAuth, ...(targets.authsomePglite ? [targets.authsomePglite] : [])];
  const runs = await measureInterleaved(list, settings.connections, settings, "GET /session", quiet);
  const out: Record<string, SessionCheckFigure> = {};
  for (const [connections, r] of Object.entries(runs)) {
    const ratioCeiling = pairedRatio(r.authsome!, r.ceiling!);
    const ratioBetterAuth = pairedRatio(r.authsome!, r.better_auth!);
    const p99Ratio = pairedP99Ratio(r.authsome!, r.ceiling!);
    const failed = [r.authsome!, r.ceiling!, r.better_auth!].flat().some((x) => x.failed);
    out[connections] = {
      authsome: summarizeLoad(r.authsome!),
      ceiling: summarizeLoad(r.ceiling!),
      better_auth: summarizeLoad(r.better_auth!),
      ratio_ceiling: ratioCeiling,
      ratio_better_auth: ratioBetterAuth,
      p99_ratio_ceiling: p99Ratio,
      bars: {
        ceiling: { min_ratio: sessionBars.ceiling, pass: !failed && ratioCeiling.median >= sessionBars.ceiling },
        better_auth: { min_ratio: sessionBars.betterAuth, pass: !failed && ratioBetterAuth.median >= sessionBars.betterAuth },
        p99_ceiling: { max_ratio: sessionBars.p99Ceiling, pass: !failed && p99Ratio.median <= sessionBars.p99Ceiling },
      },
      ...(r.authsome_pglite
        ? { authsome_pglite: summarizeLoad(r.authsome_pglite), ratio_pglite_postgres: pairedRatio(r.authsome_pglite, r.authsome!) }
        : {}),
    };
  }
  return out;
}

interface SignInFigure {
  connections: number;
  authsome: LoadFigure;
  bare_argon2: LoadFigure;
  ratio: Stat;
  overhead_pct: Stat;
  bar: { min_ratio: number; pass: boolean };
}

const signInBar = 0.9;

async function measureSignIn(targets: { authsome: Target; argon2: Target }, settings: Settings): Promise<SignInFigure> {
  const connections = settings.signInConnections;
  const runs = (await measureInterleaved([targets.authsome, targets.argon2], [connections], settings, "POST /signin"))[String(connections)]!;
  const ratio = pairedRatio(runs.authsome!, runs.bare_argon2!);
  const failed = [...runs.authsome!, ...runs.bare_argon2!].some((x) => x.failed);
  return {
    connections,
    authsome: summarizeLoad(runs.authsome!),
    bare_argon2: summarizeLoad(runs.bare_argon2!),
    ratio,
    overhead_pct: { median: (1 - ratio.median) * 100, min: (1 - ratio.max) * 100, max: (1 - ratio.min) * 100 },
    bar: { min_ratio: signInBar, pass: !failed && ratio.median >= signInBar },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Enumeration by timing: sequential requests alternating two cases that must look alike from outside, medians side
// by side — sign-in with an unknown email vs a known one with a wrong password (both 401); forgot-password and the
// verification resend with a known (for the resend: unverified) address vs an unknown one (both 200 {"status":"ok"}).

interface EnumerationFigure {
  samples: number;
  unknown_email_ms: Stat;
  wrong_password_ms: Stat;
  /** median(unknown email) / median(wrong password). */
  ratio: number;
  max_failures_per_user: number;
  note: string | null;
}

/** A mail-sending route's known address against an unknown one. */
interface MailEnumerationFigure {
  route: string;
  samples: number;
  known_email_ms: Stat;
  unknown_email_ms: Stat;
  /** median(known email) / median(unknown email). */
  ratio: number;
  /** The two medians within `max_ratio` of each other, either way: max(ratio, 1 / ratio) ≤ max_ratio. */
  bar: { max_ratio: number; pass: boolean };
}

const sideBySideBar = 1.2;
/** Unrecorded pairs before the measured ones. */
const sideBySideWarmup = 2;

/** One case of a side-by-side timing: the name its errors use and the JSON body of its i-th request. */
interface TimedCase {
  name: string;
  body(i: number): unknown;
}

const unknownEmail = (i: number) => `nobody-${i}-${randomBytes(3).toString("hex")}@example.com`;

async function timedPost(url: string, path: string, body: unknown): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  const response = await fetch(`${url}${authsomeBasePath}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return { ms: performance.now() - start, status: response.status };
}

/**
 * `sideBySideWarmup` + `samples` sequential pairs of `POST <path>`, one request of each case per pair, every answer
 * required to be `status`. Which case goes first swaps from pair to pair, so work a server defers past its response
 * (mail sent from an in-process queue) falls as often on either case. Returns each case's times (ms), warm-up left out.
 */
/**
 * Sequential pairs of the two cases, the order swapped every pair. `paceMs` waits that long after each request,
 * outside the timing, so that work a response left behind (mail jobs) is over before the next request starts:
 * otherwise a known address's background work lands in whichever request follows it.
 */
async function sideBySide(url: string, path: string, status: number, cases: readonly [TimedCase, TimedCase], samples: number, paceMs = 0): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < samples + sideBySideWarmup; i++) {
    const order = i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
    const results: Array<{ ms: number; status: number }> = [];
    for (const c of order) {
      checkpoint();
      results[c] = await timedPost(url, path, cases[c].body(i));
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
    const [a, b] = results as [{ ms: number; status: number }, { ms: number; status: number }];
    if (a.status !== status || b.status !== status) {
      throw new Error(`enumeration, POST ${path}: expected ${status} and ${status}, got ${a.status} (${cases[0].name}) and ${b.status} (${cases[1].name})`);
    }
    if (i < sideBySideWarmup) continue;
    times[0].push(a.ms);
    times[1].push(b.ms);
  }
  return times;
}

async function measureSignInEnumeration(url: string, users: User[], samples: number): Promise<EnumerationFigure> {
  const lockoutAttempts = 5; // the default lockout, left on
  const maxFailures = Math.ceil((samples + sideBySideWarmup) / users.length);
  const [unknown, wrong] = await sideBySide(
    url,
    "/signin",
    401,
    [
      { name: "unknown email", body: (i) => ({ email: unknownEmail(i), password: seedPassword }) },
      { name: "wrong password", body: (i) => ({ email: users[i % users.length]!.email, password: `wrong password ${i}` }) },
    ],
    samples,
  );
  return {
    samples,
    unknown_email_ms: stat(unknown),
    wrong_password_ms: stat(wrong),
    ratio: median(unknown) / median(wrong),
    max_failures_per_user: maxFailures,
    note:
      maxFailures >= lockoutAttempts
        ? `some users reached the lockout (${lockoutAttempts} failures): their wrong-password samples measure a locked account`
        : null,
  };
}

/** Pause after each mail-route request: its job (a lookup, a token, the recipient count, the send) takes ~2–5 ms. */
const mailPaceMs = 20;
/** The mail routes' medians settle slower than sign-in's (each request is ~1 ms of work): more samples, same cost. */
const mailSamplesPerSignInSample = 4;

/** `POST <path> {"email"}` with a known address (cycling over `known`) against an unknown one; both must answer 200. */
async function measureMailEnumeration(url: string, path: string, known: User[], samples: number): Promise<MailEnumerationFigure> {
  const [knownMs, unknownMs] = await sideBySide(
    url,
    path,
    200,
    [
      { name: "known email", body: (i) => ({ email: known[i % known.length]!.email }) },
      { name: "unknown email", body: (i) => ({ email: unknownEmail(i) }) },
    ],
    samples,
    mailPaceMs,
  );
  const ratio = median(knownMs) / median(unknownMs);
  return {
    route: `POST ${path}`,
    samples,
    known_email_ms: stat(knownMs),
    unknown_email_ms: stat(unknownMs),
    ratio,
    bar: { max_ratio: sideBySideBar, pass: Math.max(ratio, 1 / ratio) <= sideBySideBar },
  };
}

/**
 * The seeded users whose email is unverified now (read back through the harness's store): a resend for a verified
 * address sends nothing, so it would not measure the known case. Sign-up leaves an address unverified and nothing
 * in the run verifies one, so this is every seeded user.
 */
async function unverifiedUsers(store: Store, users: User[]): Promise<User[]> {
  const current = await Promise.all(users.map((user) => store.users.findById({ appId: user.appId, envId: user.envId }, user.id)));
  const unverified = current.filter((user): user is User => user !== null && !user.emailVerified);
  if (unverified.length === 0) throw new Error("enumeration: every seeded user is verified — the resend timing needs unverified ones");
  return unverified;
}

interface Enumerations {
  sign_in: EnumerationFigure;
  forgot_password: MailEnumerationFigure;
  resend_verification: MailEnumerationFigure;
}

async function measureEnumerations(url: string, users: User[], unverified: User[], samples: number): Promise<Enumerations> {
  return {
    sign_in: await measureSignInEnumeration(url, users, samples),
    forgot_password: await measureMailEnumeration(url, "/forgot-password", users, samples * mailSamplesPerSignInSample),
    resend_verification: await measureMailEnumeration(url, "/verify-email/resend", unverified, samples * mailSamplesPerSignInSample),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Servers under test

interface Servers {
  authsome: ServerProcess<Record<string, never>>;
  ceiling: ServerProcess<Record<string, never>>;
  argon2: ServerProcess<Record<string, never>>;
  betterAuth: ServerProcess<BetterAuthDetails>;
  authsomePglite?: ServerProcess<AuthsomePgliteDetails>;
}

const sessionPath = `${authsomeBasePath}/session`;

const bearerRequests = (tokens: string[]) =>
  tokens.map((token): LoadRequest => ({ method: "GET", path: sessionPath, headers: { authorization: `Bearer ${token}` } }));

function sessionCheckTargets(servers: Servers, seeded: Seeded): SessionCheckTargets {
  const bearer = bearerRequests(seeded.tokens);
  const { sessionPath: betterAuthPath, cookies } = servers.betterAuth.details;
  const pglite = servers.authsomePglite;
  return {
    authsome: { key: "authsome", label: "Authsome", url: servers.authsome.url, requests: bearer },
    ceiling: { key: "ceiling", label: "ceiling", url: servers.ceiling.url, requests: bearer },
    betterAuth: {
      key: "better_auth",
      label: "better-auth",
      url: servers.betterAuth.url,
      requests: cookies.map((cookie): LoadRequest => ({ method: "GET", path: betterAuthPath, headers: { cookie } })),
    },
    ...(pglite ? { authsomePglite: { key: "authsome_pglite", label: "Authsome (PGlite)", url: pglite.url, requests: bearerRequests(pglite.details.tokens) } } : {}),
  };
}

function signInTargets(servers: Servers, seeded: Seeded) {
  const requests = seeded.users.map(
    (user): LoadRequest => ({
      method: "POST",
      path: `${authsomeBasePath}/signin`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password: seedPassword }),
    }),
  );
  return {
    authsome: { key: "authsome", label: "Authsome", url: servers.authsome.url, requests },
    argon2: { key: "bare_argon2", label: "bare argon2", url: servers.argon2.url, requests },
  } satisfies Record<string, Target>;
}

// ---------------------------------------------------------------------------------------------------------------
// Pagination and migrations (bench/store.ts, bench/migrate.ts)

interface PaginationFigure {
  depth: number;
  samples: number;
  seed_seconds: number;
  first_page_ms: Stat & { p99: number };
  deep_page_ms: Stat & { p99: number };
  ratio: number;
  bar: { max_ratio: number; pass: boolean };
}

const paginationBar = 1.2;

function summarizePagination(result: PaginationResult, seedSeconds: number): PaginationFigure {
  const ratio = median(result.deep) / median(result.first);
  return {
    depth: result.depth,
    samples: result.samples,
    seed_seconds: seedSeconds,
    first_page_ms: { ...stat(result.first), p99: pct(result.first, 0.99) },
    deep_page_ms: { ...stat(result.deep), p99: pct(result.deep, 0.99) },
    ratio,
    bar: { max_ratio: paginationBar, pass: ratio <= paginationBar },
  };
}

function summarizeMigrations(samples: MigrationSamples, start: StartSample[]) {
  const pick = <T>(xs: T[], f: (x: T) => number) => stat(xs.map(f));
  const hasPgliteBaseline = samples.pglite.every((s) => Number.isFinite(s.bareDdl));
  return {
    repetitions: start.length,
    start_postgres: {
      plugins: ["password"],
      fresh_ms: pick(start, (s) => s.fresh),
      up_to_date_ms: pick(start, (s) => s.upToDate),
      up_to_date_round_trips: pick(start, (s) => s.roundTrips),
    },
    migrate_postgres: {
      groups: samples.groups,
      fresh_ms: pick(samples.postgres, (s) => s.fresh),
      bare_ddl_ms: pick(samples.postgres, (s) => s.bareDdl),
      up_to_date_ms: pick(samples.postgres, (s) => s.upToDate),
      select_1_ms: pick(samples.postgres, (s) => s.bareRoundTrip),
      up_to_date_round_trips: pick(samples.postgres, (s) => s.roundTrips),
    },
    pglite: {
      groups: samples.groups,
      cold_start_ms: pick(samples.pglite, (s) => s.coldStart),
      fresh_migrate_ms: pick(samples.pglite, (s) => s.fresh),
      bare_ddl_ms: hasPgliteBaseline ? pick(samples.pglite, (s) => s.bareDdl) : null,
      up_to_date_ms: pick(samples.pglite, (s) => s.upToDate),
      up_to_date_round_trips: pick(samples.pglite, (s) => s.roundTrips),
    },
  };
}
type MigrationsFigure = ReturnType<typeof summarizeMigrations>;

// ---------------------------------------------------------------------------------------------------------------
// Report

interface MemoryFigure {
  after_session_check_mb: { authsome: number; ceiling: number; better_auth: number; authsome_pglite?: number };
  after_sign_in_mb: { authsome: number; bare_argon2: number };
  bar: { max_mb: number; pass: boolean };
}

const rssBarMb = 200;

interface Results {
  date: string;
  machine: Record<string, unknown>;
  mode: Settings["mode"];
  settings: Record<string, unknown>;
  session_check: Record<string, SessionCheckFigure>;
  sign_in: SignInFigure;
  enumeration: EnumerationFigure;
  enumeration_forgot_password: MailEnumerationFigure;
  enumeration_resend_verification: MailEnumerationFigure;
  round_trips: Record<Route, RoundTripFigure>;
  mfa_timing: MfaTimingFigure;
  pagination: PaginationFigure;
  migrations: MigrationsFigure;
  memory: MemoryFigure;
  failures: string[];
  phase_seconds: Record<string, number>;
  wall_seconds: number;
}

function table(results: Results): string {
  const rows: string[][] = [];
  const add = (...cells: string[]) => rows.push(cells);
  for (const [connections, f] of Object.entries(results.session_check)) {
    const failed = f.authsome.failed || f.ceiling.failed || f.better_auth.failed ? " (FAILED RUNS)" : "";
    add(`GET /session @${connections} conn — throughput`, fmtRps(f.authsome), `ceiling ${fmtRps(f.ceiling)}`, fmtRatio(f.ratio_ceiling), `≥ ${sessionBars.ceiling}× ceiling`, verdict(f.bars.ceiling.pass) + failed);
    add(`GET /session @${connections} conn — throughput`, fmtRps(f.authsome), `better-auth ${fmtRps(f.better_auth)}`, fmtRatio(f.ratio_better_auth), `≥ ${sessionBars.betterAuth}× better-auth`, verdict(f.bars.better_auth.pass) + failed);
    add(
      `GET /session @${connections} conn — p50 / p99`,
      `${fixed(f.authsome.p50, 2)} / ${fixed(f.authsome.p99, 2)} ms`,
      `ceiling ${fixed(f.ceiling.p50, 2)} / ${fixed(f.ceiling.p99, 2)} ms; better-auth ${fixed(f.better_auth.p50, 2)} / ${fixed(f.better_auth.p99, 2)} ms`,
      `p99 ${fmtRatio(f.p99_ratio_ceiling)}`,
      `p99 ≤ ${sessionBars.p99Ceiling}× ceiling`,
      verdict(f.bars.p99_ceiling.pass) + failed,
    );
    if (f.authsome_pglite && f.ratio_pglite_postgres) {
      add(
        `GET /session @${connections} conn — Authsome on PGlite (in memory)`,
        `${fmtRps(f.authsome_pglite)}; p50 / p99 ${fixed(f.authsome_pglite.p50, 2)} / ${fixed(f.authsome_pglite.p99, 2)} ms`,
        `Authsome on PostgreSQL ${fmtRps(f.authsome)}`,
        fmtRatio(f.ratio_pglite_postgres),
        "—",
        f.authsome_pglite.failed ? "(FAILED RUNS)" : "",
      );
    }
  }
  const s = results.sign_in;
  add(
    `POST /signin @${s.connections} conn — throughput`,
    fmtRps(s.authsome),
    `bare argon2id verify ${fmtRps(s.bare_argon2)}`,
    `${fmtRatio(s.ratio)}; overhead ${fixed(s.overhead_pct.median, 1)} %`,
    `overhead ≤ 10 % (≥ ${signInBar}×)`,
    verdict(s.bar.pass) + (s.authsome.failed || s.bare_argon2.failed ? " (FAILED RUNS)" : ""),
  );
  add(
    `POST /signin @${s.connections} conn — p50 / p99`,
    `${fixed(s.authsome.p50, 1)} / ${fixed(s.authsome.p99, 1)} ms`,
    `bare argon2 ${fixed(s.bare_argon2.p50, 1)} / ${fixed(s.bare_argon2.p99, 1)} ms`,
    "—",
    "—",
    "",
  );
  const e = results.enumeration;
  add(`sign-in, unknown email vs wrong password (median of ${e.samples} each)`, `unknown email ${fmtMs(e.unknown_email_ms, 1)}`, `wrong password ${fmtMs(e.wrong_password_ms, 1)}`, `${fixed(e.ratio, 2)}×`, "— (side by side)", "");
  const mailEnumerations: Array<[string, MailEnumerationFigure]> = [
    ["forgot-password, known vs unknown email", results.enumeration_forgot_password],
    ["verify-email/resend, known unverified vs unknown email", results.enumeration_resend_verification],
  ];
  for (const [label, f] of mailEnumerations) {
    add(
      `${label} (median of ${f.samples} each)`,
      `known ${fmtMs(f.known_email_ms)}`,
      `unknown ${fmtMs(f.unknown_email_ms)}`,
      `${fixed(f.ratio, 2)}× known/unknown`,
      `≤ ${f.bar.max_ratio}× (side by side)`,
      verdict(f.bar.pass),
    );
  }
  for (const route of routes) {
    const r = results.round_trips[route];
    const after = r.after_response_max > 0 ? ` (+${r.after_response_max} after the response: mail)` : "";
    const note = route === "POST /mfa/challenge" ? " (a TOTP code)" : "";
    add(`statements per ${route}${note}`, `${fmtCount(r)}${after}`, "—", "—", r.bar ?? "—", r.pass === null ? "" : verdict(r.pass));
  }
  const t = results.mfa_timing;
  add(
    `POST /mfa/challenge (TOTP) vs POST /signin without MFA, in process (median of ${t.samples} each)`,
    `challenge ${fmtMs(t.challenge_ms)}`,
    `sign-in without MFA ${fmtMs(t.sign_in_without_mfa_ms, 1)}`,
    `${fixed(t.challenge_ratio, 2)}×`,
    "— (side by side)",
    "",
  );
  add(
    `POST /signin (403 mfa_required) + POST /mfa/challenge vs POST /signin without MFA (median of ${t.samples} each)`,
    `sign-in ${fmtMs(t.sign_in_with_mfa_ms, 1)} + challenge = ${fmtMs(t.sign_in_and_challenge_ms, 1)}`,
    `sign-in without MFA ${fmtMs(t.sign_in_without_mfa_ms, 1)}`,
    `${fixed(t.total_ratio, 2)}×`,
    "— (side by side)",
    "",
  );
  add(
    `passkey sign-in (POST /passkeys/login/options + /verify; TOTP on, user verified) vs POST /signin without MFA (median of ${t.samples} each)`,
    `passkey ${fmtMs(t.passkey_sign_in_ms, 1)}`,
    `sign-in without MFA ${fmtMs(t.sign_in_without_mfa_ms, 1)}`,
    `${fixed(t.passkey_ratio, 2)}×`,
    "— (side by side)",
    "",
  );
  const p = results.pagination;
  add(
    `users page (20) at depth ${p.depth.toLocaleString("en")} — median (min–max)`,
    fmtMs(p.deep_page_ms),
    `first page ${fmtMs(p.first_page_ms)}`,
    `${fixed(p.ratio, 2)}×`,
    `≤ ${paginationBar}× first page`,
    verdict(p.bar.pass),
  );
  const m = results.migrations;
  add("fresh auth.start() with every plugin (password), PostgreSQL", fmtMs(m.start_postgres.fresh_ms, 1), "—", "—", "—", "");
  add(
    "up-to-date auth.start(), PostgreSQL",
    `${fmtMs(m.start_postgres.up_to_date_ms, 1)}; ${fmtCount(m.start_postgres.up_to_date_round_trips)} statements`,
    `SELECT 1 ${fmtMs(m.migrate_postgres.select_1_ms)}`,
    `${fixed(m.start_postgres.up_to_date_ms.median / m.migrate_postgres.select_1_ms.median, 1)}×`,
    "—",
    "",
  );
  add(
    `store.migrate, all ${m.migrate_postgres.groups.length} groups, fresh, PostgreSQL`,
    fmtMs(m.migrate_postgres.fresh_ms, 1),
    `same SQL bare ${fmtMs(m.migrate_postgres.bare_ddl_ms, 1)}`,
    `${fixed(m.migrate_postgres.fresh_ms.median / m.migrate_postgres.bare_ddl_ms.median, 2)}×`,
    "—",
    "",
  );
  add(
    "store.migrate, up to date, PostgreSQL",
    `${fmtMs(m.migrate_postgres.up_to_date_ms)}; ${fmtCount(m.migrate_postgres.up_to_date_round_trips)} statements`,
    `SELECT 1 ${fmtMs(m.migrate_postgres.select_1_ms)}`,
    `${fixed(m.migrate_postgres.up_to_date_ms.median / m.migrate_postgres.select_1_ms.median, 1)}×`,
    "—",
    "",
  );
  add(
    "PGlite cold start (create in memory + migrate all groups)",
    fmtMs(m.pglite.cold_start_ms, 0),
    m.pglite.bare_ddl_ms ? `migrate ${fmtMs(m.pglite.fresh_migrate_ms, 0)} vs same SQL bare ${fmtMs(m.pglite.bare_ddl_ms, 0)}` : `of which migrate ${fmtMs(m.pglite.fresh_migrate_ms, 0)}`,
    m.pglite.bare_ddl_ms ? `${fixed(m.pglite.fresh_migrate_ms.median / m.pglite.bare_ddl_ms.median, 2)}×` : "—",
    "—",
    "",
  );
  const mem = results.memory;
  add(
    "server RSS after the session-check load",
    `${fixed(mem.after_session_check_mb.authsome, 0)} MB`,
    `ceiling ${fixed(mem.after_session_check_mb.ceiling, 0)} MB; better-auth ${fixed(mem.after_session_check_mb.better_auth, 0)} MB` +
      (mem.after_session_check_mb.authsome_pglite === undefined ? "" : `; Authsome on PGlite ${fixed(mem.after_session_check_mb.authsome_pglite, 0)} MB`),
    "—",
    `≤ ${rssBarMb} MB`,
    verdict(mem.bar.pass),
  );
  const header = ["figure", "Authsome", "baseline (same run)", "ratio", "bar", ""];
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

async function describeMachine(): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  const postgres = await withAdmin(async (admin) => (await admin.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version);
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? "unknown",
    memory_gb: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    postgres,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function printPreamble(settings: Settings, machine: Record<string, unknown>): void {
  console.log(`Authsome benchmark (${settings.mode}) — ${machine.cpus} × ${machine.model}, Node ${machine.node}, PostgreSQL ${machine.postgres}`);
  console.log(
    `Session check: ${settings.seconds} s × ${settings.connections.join(" and ")} connections; sign-in: ${settings.seconds} s × ${settings.signInConnections} connections; ` +
      `${settings.reps} interleaved repetitions (median, min–max), ${settings.warmupSeconds} s warm-up per server; pool ${benchPoolSize} per server.`,
  );
  console.log(
    `RATE LIMITS RAISED for the throughput runs: Authsome's limits are set to ${raisedRateLimit.toLocaleString("en")} per window ` +
      `(${Object.keys(raisedRateLimits).join(", ")}; in the harness's engine with mfa() and passkey() also ${[...Object.keys(raisedMfaRateLimits), ...Object.keys(raisedPasskeyRateLimits)].join(", ")}) — raised, not disabled, so the limiter still runs on every request; ` +
      `the account lockout stays at its default. better-auth's rate limiter is off (bench/better-auth.ts: BETTER_AUTH_RATE_LIMIT_DISABLED).`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The run

async function rssMb(server: ServerProcess<unknown>): Promise<number> {
  return mb(await server.rss());
}

/** Wall seconds per phase of the run, logged as each ends and kept in results.json. */
const phases: Record<string, number> = {};

async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    phases[name] = Number(((performance.now() - started) / 1000).toFixed(1));
    log(`${name}: ${phases[name]} s`);
  }
}

/** A promise awaited later: an early rejection must not count as unhandled meanwhile. */
function background<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Seeds the database while the Authsome and ceiling servers start (the database is migrated by then), then starts
 * the bare argon2 server with a seeded PHC string, and waits for the servers started earlier.
 */
async function seedAndStartServers(
  harness: Harness,
  settings: Settings,
  app: CreatedDatabase,
  earlier: { betterAuth: Promise<ServerProcess<BetterAuthDetails>>; pglite: Promise<ServerProcess<AuthsomePgliteDetails>> | undefined },
): Promise<{ seeded: Seeded; servers: Servers }> {
  const authsome = background(spawnServer("authsome", { databaseUrl: app.url, poolSize: benchPoolSize }));
  const ceiling = background(spawnServer("ceiling", { databaseUrl: app.url, poolSize: benchPoolSize }));
  const seeded = await seedDatabase(harness, settings);
  const argon2 = await spawnServer("argon2", { phc: seeded.phc, password: seedPassword });
  const servers: Servers = { authsome: await authsome, ceiling: await ceiling, argon2, betterAuth: await earlier.betterAuth };
  if (earlier.pglite) servers.authsomePglite = await earlier.pglite;
  return { seeded, servers };
}

interface RunDatabases {
  app: CreatedDatabase;
  betterAuth: CreatedDatabase;
  pagination: BenchDatabase;
}

/**
 * Everything measured while the servers run, then pagination. The unmeasured set-up is overlapped: better-auth
 * seeds itself in its process while the pagination table fills in PostgreSQL and Authsome is seeded here.
 */
async function measureWithServers(settings: Settings, databases: RunDatabases, partial: Partial<Results>): Promise<void> {
  log(
    `seeding: ${settings.users} Authsome users + ${settings.sessions} sessions, ${settings.betterAuthSessions} better-auth users, ` +
      `${settings.paginationDepth.toLocaleString("en")} users for pagination`,
  );
  const betterAuth = background(
    spawnServer<BetterAuthDetails>("better-auth", { databaseUrl: databases.betterAuth.url, poolSize: benchPoolSize, sessions: settings.betterAuthSessions }),
  );
  const pglite = settings.pglite ? background(spawnServer<AuthsomePgliteDetails>("authsome-pglite", { users: settings.users, sessions: settings.sessions })) : undefined;
  const paginationSeed = background(seedPaginationUsers(databases.pagination, settings.paginationDepth));
  let opened: Harness | undefined;
  try {
    const { harness, seeded, servers } = await phase("set-up", async () => {
      const harness = (opened = await openHarness(databases.app.url)); // migrates the database
      const { seeded, servers } = await seedAndStartServers(harness, settings, databases.app, { betterAuth, pglite });
      return { harness, seeded, servers };
    });
    partial.settings = { better_auth_rate_limit_disabled: servers.betterAuth.details.rateLimitDisabled };
    checkpoint();

    // Statement counts do not mind the pagination insert still running; timings do: the session check's measured
    // runs and their warm-ups wait for it.
    partial.round_trips = await phase("round trips", () => measureRoundTrips(harness, settings.roundTripReps));
    const seededPagination = background(
      paginationSeed.then((seed) => {
        log(`pagination table seeded (${seed.seedSeconds.toFixed(1)} s)`);
        return seed;
      }),
    );
    partial.session_check = await phase("session check", () => measureSessionCheck(sessionCheckTargets(servers, seeded), settings, seededPagination));
    const pagination = await paginationSeed;
    const afterSessionCheck: MemoryFigure["after_session_check_mb"] = {
      authsome: await rssMb(servers.authsome),
      ceiling: await rssMb(servers.ceiling),
      better_auth: await rssMb(servers.betterAuth),
      ...(servers.authsomePglite ? { authsome_pglite: await rssMb(servers.authsomePglite) } : {}),
    };
    partial.sign_in = await phase("sign-in", () => measureSignIn(signInTargets(servers, seeded), settings));
    partial.memory = {
      after_session_check_mb: afterSessionCheck,
      after_sign_in_mb: { authsome: await rssMb(servers.authsome), bare_argon2: await rssMb(servers.argon2) },
      bar: { max_mb: rssBarMb, pass: afterSessionCheck.authsome <= rssBarMb },
    };
    const enumerations = await phase("enumeration", async () =>
      measureEnumerations(servers.authsome.url, seeded.users, await unverifiedUsers(harness.store, seeded.users), settings.enumerationSamples),
    );
    partial.enumeration = enumerations.sign_in;
    partial.enumeration_forgot_password = enumerations.forgot_password;
    partial.enumeration_resend_verification = enumerations.resend_verification;
    // In process, sequential, once the pagination table is seeded (the servers under test are idle meanwhile).
    partial.mfa_timing = await phase("mfa timing", () => measureMfaTiming(harness, settings.mfaTimingSamples));
    await phase("stop servers", stopAllServers);
    partial.pagination = await phase("pagination", async () =>
      summarizePagination(await measurePagination(pagination, settings.paginationSamples), pagination.seedSeconds),
    );
  } finally {
    await stopAllServers();
    await opened?.close();
    await paginationSeed.catch(() => {}); // never drop its database under a running INSERT
  }
}

async function measureAllMigrations(settings: Settings): Promise<MigrationsFigure> {
  const samples = await measureMigrations({ repetitions: settings.migrationReps, pgliteBaseline: settings.pgliteBaseline });
  return summarizeMigrations(samples, await measureStart(settings.migrationReps));
}

function settingsRecord(settings: Settings, betterAuthRateLimitDisabled: unknown): Record<string, unknown> {
  return {
    session_check_seconds: settings.seconds,
    sign_in_seconds: settings.seconds,
    warmup_seconds: settings.warmupSeconds,
    connections: settings.connections,
    sign_in_connections: settings.signInConnections,
    repetitions: settings.reps,
    pool_size: benchPoolSize,
    load_generator: "autocannon (library, pipelining 1, closed loop, requests rotated per connection)",
    authsome_users: settings.users,
    authsome_sessions: settings.sessions,
    better_auth_sessions: settings.betterAuthSessions,
    rate_limits_raised: true,
    rate_limits: raisedRateLimits,
    lockout: "default (5 failures / 15 min)",
    mailer: "accepts and discards every message (bench/servers/seed.ts: benchMailer)",
    better_auth_rate_limit_disabled: betterAuthRateLimitDisabled ?? null,
    enumeration_samples: settings.enumerationSamples,
    round_trip_repetitions: settings.roundTripReps,
    round_trip_engines:
      "the servers' configuration (password()); the MFA and passkey rows and the (mfa() mounted) rows: password(), mfa() and passkey({ rpId: \"localhost\" })",
    mfa_timing_samples: settings.mfaTimingSamples,
    pagination_depth: settings.paginationDepth,
    pagination_samples: settings.paginationSamples,
    migration_repetitions: settings.migrationReps,
    pglite_bare_sql_baseline: settings.pgliteBaseline,
    pglite_session_check: settings.pglite,
  };
}

function printReport(results: Results, resultsPath: string): void {
  console.log(`\n${table(results)}\n`);
  if (results.enumeration.note) console.log(`Note: ${results.enumeration.note}`);
  console.log(
    "Ratios are medians (min–max) of per-repetition ratios of runs made back to back. RSS includes each server's tsx loader. " +
      `Rate limits were raised (${raisedRateLimit.toLocaleString("en")} per window), not disabled; better-auth's limiter was off.`,
  );
  console.log(`Results: ${resultsPath}`);
  console.log(`Wall time: ${results.wall_seconds} s (${Object.entries(results.phase_seconds).map(([k, v]) => `${k} ${v} s`).join(", ")})`);
  if (failures.length > 0) {
    console.error(`\n!!!!!!!! ${failures.length} LOAD RUN(S) FAILED (non-2xx answers or errors) — their figures are not valid:`);
    for (const failure of failures) console.error(`  - ${failure}`);
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const settings = readSettings();
  const machine = await describeMachine();
  printPreamble(settings, machine);

  const created: CreatedDatabase[] = [];
  const partial: Partial<Results> = {};
  try {
    const app = await createBenchDatabase("app").then((db) => (created.push(db), db));
    const betterAuth = await createBenchDatabase("better_auth").then((db) => (created.push(db), db));
    await withBenchDatabase((pagination) => measureWithServers(settings, { app, betterAuth, pagination }, partial), 2);
    checkpoint();
    partial.migrations = await phase("migrations", () => measureAllMigrations(settings));
  } finally {
    await stopAllServers();
    for (const database of created) await dropBenchDatabase(database);
  }

  const results: Results = {
    date: new Date().toISOString(),
    machine,
    mode: settings.mode,
    settings: settingsRecord(settings, partial.settings?.better_auth_rate_limit_disabled),
    session_check: partial.session_check!,
    sign_in: partial.sign_in!,
    enumeration: partial.enumeration!,
    enumeration_forgot_password: partial.enumeration_forgot_password!,
    enumeration_resend_verification: partial.enumeration_resend_verification!,
    round_trips: partial.round_trips!,
    mfa_timing: partial.mfa_timing!,
    pagination: partial.pagination!,
    migrations: partial.migrations!,
    memory: partial.memory!,
    failures,
    phase_seconds: phases,
    wall_seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  const resultsPath = fileURLToPath(new URL("./results.json", import.meta.url));
  await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  printReport(results, resultsPath);
  return failures.length > 0 ? 1 : 0;
}

let exitCode: number;
try {
  exitCode = await main();
} catch (error) {
  console.error(interruption.signal.aborted ? "bench: interrupted" : error);
  exitCode = interruption.signal.aborted ? 130 : 1;
}
process.exit(exitCode); // a library's stray timer must not keep a finished run alive
