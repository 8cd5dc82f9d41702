/**
 * The engine every Authsome process of the benchmark builds (the server under test, the PGlite variant and the
 * harness's own, which seeds the database and counts round trips): `createAuthsome` with `password()` (the harness's
 * also with `mfa()` and `passkey()`), the benchmark's configuration (./config.ts) and a mailer that discards — and
 * the seeding of its users and sessions.
 *
 * Users are signed up through the real API (real argon2id hashes, as in production); nothing verifies their email,
 * so they stay unverified (the resend-verification timing relies on it and checks it). Sessions are then created
 * directly through the store, spread over those users, with tokens made as the engine makes them (`as_` session and
 * `ar_` refresh tokens, stored as SHA-256 hashes, an `asfm_` family id): a thousand sign-ins would only measure
 * argon2 again.
 */
import { generateToken, hashToken } from "../../src/crypto/tokens.js";
import { createAuthsome } from "../../src/authsome.js";
import { mfa } from "../../src/plugins/mfa/index.js";
import { passkey } from "../../src/plugins/passkey/index.js";
import { password } from "../../src/plugins/password/index.js";
import type { Mailer } from "../../src/mail/mailer.js";
import type { Store, User } from "../../src/store/contract/index.js";
import { authsomeBenchConfig, raisedMfaRateLimits, raisedPasskeyRateLimits, raisedRateLimits, seedEmail, seedPassword } from "./config.js";

/**
 * Accepts every message and keeps nothing. The mail-sending routes (forgot-password, verification resend, sign-up's
 * verification mail) do their full work — token, rendered message, outbox row — without a mail server; a
 * `memoryMailer()` would keep every message and grow the server's RSS over a run.
 */
export const benchMailer: Mailer = {
  async send() {},
};

/**
 * The benchmark's engine. With `mfa`, `mfa()` is mounted too, and with `passkey`, `passkey({ rpId: "localhost" })`
 * (their limits raised like the others): the harness's own engine, which counts the MFA challenge's and the passkey
 * sign-in's round trips and times them; the servers under test run without them.
 */
export function createBenchAuth(store: Store, options: { mfa?: boolean; passkey?: boolean } = {}) {
  if (options.mfa || options.passkey) {
    const plugins = [password(), ...(options.mfa ? [mfa()] : []), ...(options.passkey ? [passkey({ rpId: "localhost" })] : [])];
    const rateLimits = { ...raisedRateLimits, ...(options.mfa ? raisedMfaRateLimits : {}), ...(options.passkey ? raisedPasskeyRateLimits : {}) };
    return createAuthsome({ store, plugins, config: { ...authsomeBenchConfig, rateLimits }, mailer: benchMailer });
  }
  return createAuthsome({ store, plugins: [password()], config: authsomeBenchConfig, mailer: benchMailer });
}
export type BenchAuth = ReturnType<typeof createBenchAuth>;

export interface SeedCounts {
  users: number;
  /** Accounts without a password that only hold sessions. */
  sessionUsers?: number;
  sessions: number;
  /** Sign-ups in flight at once (argon2 runs on libuv's pool) and session inserts in flight at once. */
  signUpConcurrency?: number;
  insertConcurrency?: number;
}

export interface SeededAuthsome {
  users: User[];
  /** Session tokens of the seeded sessions, spread over the users. */
  tokens: string[];
}

const meta = { ipAddress: "127.0.0.1", userAgent: "authsome-bench" };
/** Long enough to outlive any run. */
const sessionLifetimeMs = 24 * 3_600_000;
const refreshLifetimeMs = 30 * 86_400_000;

/** Runs `fn(0..count-1)`, at most `concurrency` at a time; results in index order. */
export async function inParallel<T>(count: number, concurrency: number, fn: (index: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      out[index] = await fn(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

/** Creates one session for `user` through the store and returns its session token. */
async function createSession(store: Store, user: User, now: number): Promise<string> {
  const token = generateToken("as_");
  await store.sessions.create({
    appId: user.appId,
    envId: user.envId,
    userId: user.id,
    tokenHash: hashToken(token),
    refreshTokenHash: hashToken(generateToken("ar_")),
    familyId: generateToken("asfm_"),
    ipAddress: meta.ipAddress,
    userAgent: meta.userAgent,
    expiresAt: new Date(now + sessionLifetimeMs),
    refreshExpiresAt: new Date(now + refreshLifetimeMs),
  });
  return token;
}

/**
 * Signs `counts.users` users up (seedEmail(i), seedPassword) — they sign in during the benchmark —, adds
 * `counts.sessionUsers` more accounts straight through the store, and spreads `counts.sessions` sessions over all of
 * them: one session per account, as real traffic has, so the lookup's plan is the one a populated table gets.
 */
export async function seedAuthsome(auth: BenchAuth, store: Store, counts: SeedCounts): Promise<SeededAuthsome> {
  const users = await inParallel(counts.users, counts.signUpConcurrency ?? 4, async (i) => {
    const result = await auth.api.signUp({ email: seedEmail(i), password: seedPassword }, meta, "http://localhost");
    return result.user;
  });
  const { appId, envId } = users[0]!;
  const others = await inParallel(counts.sessionUsers ?? 0, counts.insertConcurrency ?? 10, (i) =>
    store.users.create({ appId, envId, email: `bench-session-${i}@example.com` }),
  );
  const owners = [...users, ...others];
  const now = Date.now();
  const tokens = await inParallel(counts.sessions, counts.insertConcurrency ?? 10, (i) => createSession(store, owners[i % owners.length]!, now));
  return { users, tokens };
}
