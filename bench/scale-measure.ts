/**
 * The three store calls `npm run bench:scale` (bench/scale.ts) times on each database, one call at a time, and the
 * EXPLAIN of each. Lookups name seeded rows drawn uniformly at random (a seeded PRNG, the same draws in every
 * database, scaled to its size), so the small database and the large one are asked the same questions.
 *
 *  - session check: `sessions.findByTokenHash` (the hot path behind GET /session; the token is hashed untimed);
 *  - sign-in: the password sign-in's two statements as the engine sends them — `beginSignIn` (the per-IP hit, the
 *    identifier's lock and attempt counter, the user by email and its hash) and `sessions.create` with its
 *    `signin.succeeded` event and the reset of the attempt counter; argon2 and token generation are left out;
 *  - permission check: `roles.hasPermission` (one recursive query over the user's roles and their ancestors).
 */
import type { Logger } from "drizzle-orm/logger";
import type pg from "pg";
import { generateToken, hashToken } from "../src/crypto/tokens.js";
import { passwordStore } from "../src/plugins/password/store.js";
import type { PostgresStore } from "../src/store/postgres/store.js";
import { emailOf, permissionChecks, type SeedSize, sessionTokenOf, signInKeysOf, type Tenant } from "./scale-seed.js";

export const checkKinds = ["session_check", "sign_in", "permission_check"] as const;
export type CheckKind = (typeof checkKinds)[number];

/** A seeded database as the measurements see it. */
export interface Target {
  label: string;
  size: SeedSize;
  tenant: Tenant;
  store: PostgresStore;
  /** The store's own pool (one connection: the calls run one at a time, each statement prepared on it once). */
  pool: pg.Pool;
  /** Another pool on the same database (seeding, checks, the statistics views), apart from the timed connection. */
  stats: pg.Pool;
  /** The statements the store sent since the last `statements.length = 0` (for EXPLAIN). */
  statements: Array<{ text: string; params: unknown[] }>;
}

/** A Drizzle logger that keeps what was sent, so a store call's statements can be explained afterwards. */
export function capturingLogger(into: Target["statements"]): Logger {
  return {
    logQuery(query, params) {
      if (into.length < 16) into.push({ text: query, params });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Draws

/** mulberry32: a small seeded PRNG, so every run (and every database) draws the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One call's inputs, drawn in [0, 1): scaled to the database's rows when the call is made. */
export interface Draw {
  row: number;
  /** Which permission check, and which client IP a sign-in comes from (the same pool of 1,000 in every database). */
  pick: number;
}

export function draws(seed: number, count: number): Draw[] {
  const next = prng(seed);
  return Array.from({ length: count }, () => ({ row: next(), pick: next() }));
}

const rowOf = (draw: Draw, rows: number) => 1 + Math.floor(draw.row * rows);

// ---------------------------------------------------------------------------------------------------------------
// The calls. Each returns the milliseconds of the timed part; inputs are prepared before the clock starts.

export interface Sample {
  ms: number;
  /** Sign-in: its two statements apart. */
  parts?: { find: number; create: number };
  /** Permission check: the answer. */
  allowed?: boolean;
  /** Sign-in: the session it wrote (deleted after the block, untimed, so the database keeps its size). */
  sessionId?: string;
}

async function sessionCheck(target: Target, draw: Draw): Promise<Sample> {
  const tokenHash = hashToken(sessionTokenOf(rowOf(draw, target.size.sessions)));
  const started = performance.now();
  const found = await target.store.sessions.findByTokenHash(tokenHash, new Date());
  const ms = performance.now() - started;
  if (!found) throw new Error(`${target.label}: seeded session not found`);
  return { ms };
}

const userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0";
/** The engine's (bench/servers/config.ts raises the per-IP sign-in limit the same way) and the default lockout window. */
const signInIpLimit = 1_000_000;
const rateLimitWindowSeconds = 60;
const lockoutWindowSeconds = 900;
const tokenTtlMs = 3_600_000;
const refreshTtlMs = 30 * 86_400_000;

async function signIn(target: Target, draw: Draw): Promise<Sample> {
  const { tenant, store } = target;
  const email = emailOf(rowOf(draw, target.size.users));
  const ipAddress = `192.0.2.${Math.floor(draw.pick * 250)}`; // TEST-NET-1: the same 250 clients in both databases
  const keys = signInKeysOf(tenant, email);
  const ipLimit = { key: `rl:signIn:${ipAddress}`, limit: signInIpLimit, windowSeconds: rateLimitWindowSeconds };
  const tokens = { tokenHash: hashToken(generateToken("as_")), refreshTokenHash: hashToken(generateToken("ar_")), familyId: generateToken("asfm_") };

  const started = performance.now();
  const lookup = await passwordStore(store).beginSignIn({ ...tenant, email }, new Date(), { windowSeconds: lockoutWindowSeconds, keys }, ipLimit);
  const found = performance.now();
  const user = lookup.candidate?.user;
  if (!user || !lookup.candidate?.hash) throw new Error(`${target.label}: seeded user ${email} not found by the sign-in lookup`);
  const at = new Date();
  const session = await store.sessions.create(
    {
      appId: user.appId,
      envId: user.envId,
      userId: user.id,
      ...tokens,
      ipAddress,
      userAgent,
      method: "password",
      createdAt: at,
      orgId: null,
      deviceId: null,
      impersonatedBy: null,
      expiresAt: new Date(at.getTime() + tokenTtlMs),
      refreshExpiresAt: new Date(at.getTime() + refreshTtlMs),
    },
    {
      audit: { type: "signin.succeeded", metadata: { method: "password" }, ipAddress, userAgent, at },
      ...(lookup.attempts > 0 ? { resetRateLimitKeys: [keys.attempts] } : {}),
    },
  );
  const done = performance.now();
  return { ms: done - started, parts: { find: found - started, create: done - found }, sessionId: session.id };
}

async function permissionCheck(target: Target, draw: Draw, userIds: ReadonlyMap<number, string>): Promise<Sample> {
  const userId = userIds.get(rowOf(draw, target.size.users))!;
  const check = permissionChecks[Math.floor(draw.pick * permissionChecks.length)]!;
  const started = performance.now();
  const allowed = await target.store.roles.hasPermission({ userId, ...check, orgId: null });
  return { ms: performance.now() - started, allowed };
}

/** The ids of the users the permission draws name, read once (untimed): the check takes a user id. */
export async function permissionUsers(target: Target, drawn: readonly Draw[]): Promise<Map<number, string>> {
  const rows = [...new Set(drawn.map((d) => rowOf(d, target.size.users)))];
  const { rows: found } = await target.pool.query<{ email: string; id: string }>(
    "SELECT email, id FROM authsome_users WHERE app_id = $1 AND env_id = $2 AND email = ANY($3::text[])",
    [target.tenant.appId, target.tenant.envId, rows.map(emailOf)],
  );
  const byEmail = new Map(found.map((r) => [r.email, r.id]));
  const out = new Map<number, string>();
  for (const row of rows) {
    const id = byEmail.get(emailOf(row));
    if (!id) throw new Error(`${target.label}: seeded user ${emailOf(row)} missing`);
    out.set(row, id);
  }
  return out;
}

/** Runs `kind` once per draw, one call at a time. */
export async function runBlock(target: Target, kind: CheckKind, drawn: readonly Draw[], userIds: ReadonlyMap<number, string>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const draw of drawn) {
    if (kind === "session_check") samples.push(await sessionCheck(target, draw));
    else if (kind === "sign_in") samples.push(await signIn(target, draw));
    else samples.push(await permissionCheck(target, draw, userIds));
  }
  return samples;
}

/** Deletes the sessions a sign-in block wrote (untimed), so that the database keeps the size it was seeded with. */
export async function cleanUp(target: Target, samples: readonly Sample[]): Promise<void> {
  const written = samples.flatMap((s) => (s.sessionId ? [s.sessionId] : []));
  if (written.length > 0) await target.pool.query("DELETE FROM authsome_sessions WHERE id = ANY($1::text[])", [written]);
}

// ---------------------------------------------------------------------------------------------------------------
// Work per call, from PostgreSQL's statistics: free of the timing noise of a shared machine

/** Cumulative counters: buffers found in shared_buffers (hit) or read from the OS (read) in this database's tables
 *  and indexes, and the WAL written by the whole server. */
export interface Io {
  hit: number;
  read: number;
  walRecords: number;
  walFpi: number;
  walBytes: number;
}

export async function ioSnapshot(target: Target): Promise<Io> {
  const { rows } = await target.stats.query<Record<keyof Io, string>>(
    `SELECT (SELECT sum(heap_blks_hit + idx_blks_hit + coalesce(toast_blks_hit, 0) + coalesce(tidx_blks_hit, 0)) FROM pg_statio_user_tables) AS hit,
       (SELECT sum(heap_blks_read + idx_blks_read + coalesce(toast_blks_read, 0) + coalesce(tidx_blks_read, 0)) FROM pg_statio_user_tables) AS read,
       wal_records AS "walRecords", wal_fpi AS "walFpi", wal_bytes AS "walBytes" FROM pg_stat_wal`,
  );
  const row = rows[0]!;
  return { hit: Number(row.hit), read: Number(row.read), walRecords: Number(row.walRecords), walFpi: Number(row.walFpi), walBytes: Number(row.walBytes) };
}

/**
 * Makes every connection of the database's two pools publish its pending statistics now (PostgreSQL 15+; each one
 * does so as it goes idle, right after this statement). Left alone, a backend holds them back for up to ten seconds
 * or until a later transaction: the warm-up's, the seeding checks' or the previous block's counts would then land in
 * the next block's figures.
 */
export async function flushStats(target: Target): Promise<void> {
  for (const pool of [target.pool, target.stats]) {
    const clients = await Promise.all(Array.from({ length: pool.totalCount || 1 }, () => pool.connect()));
    try {
      for (const client of clients) await client.query("SELECT pg_stat_force_next_flush()");
    } finally {
      for (const client of clients) client.release();
    }
  }
}

export const ioDelta = (before: Io, after: Io): Io => ({
  hit: after.hit - before.hit,
  read: after.read - before.read,
  walRecords: after.walRecords - before.walRecords,
  walFpi: after.walFpi - before.walFpi,
  walBytes: after.walBytes - before.walBytes,
});

// ---------------------------------------------------------------------------------------------------------------
// EXPLAIN

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every statement one call of `kind` sends, with that call's parameters. The call runs
 * in a transaction rolled back afterwards (the store's pool has one connection, so a BEGIN sent through it holds for
 * the store's own statements), and so does each EXPLAIN: the sign-in's statements write, with ids of their own.
 * These are custom plans for those parameters; the store prepares its hot statements by name, and a generic plan of
 * one equality on a unique index is the same plan.
 */
export async function explainCall(target: Target, kind: CheckKind, draw: Draw, userIds: ReadonlyMap<number, string>): Promise<string[][]> {
  target.statements.length = 0;
  await target.pool.query("BEGIN");
  try {
    await runBlock(target, kind, [draw], userIds);
  } finally {
    await target.pool.query("ROLLBACK");
  }
  const sent = [...target.statements];
  const explaining = await target.pool.connect();
  try {
    const plans: string[][] = [];
    for (const statement of sent) {
      await explaining.query("BEGIN");
      try {
        const { rows } = await explaining.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.params);
        plans.push(rows.map((r) => r["QUERY PLAN"]));
      } finally {
        await explaining.query("ROLLBACK");
      }
    }
    return plans;
  } finally {
    explaining.release();
  }
}

/** A plan's shape: its node lines without costs, timings, row counts or buffer figures (to compare two sizes). */
export function planShape(plan: readonly string[]): string[] {
  return plan
    .filter((line) => (/^\S/.test(line) || line.includes("->") || /^\s*(CTE|InitPlan|SubPlan)\b/.test(line)) && !/^(Planning|Execution|JIT|Trigger)/.test(line))
    .map((line) => line.replace(/\s*\(cost=[^)]*\)/g, "").replace(/\s*\(actual[^)]*\)/g, "").replace(/\s*\(never executed\)/g, "").trimEnd());
}
