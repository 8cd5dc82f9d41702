/**
 * What the benchmark's processes must agree on: Authsome's configuration under load (the same in the server child
 * and in the harness's own engine that seeds the database and counts round trips), the seeded password, and the
 * pool size every server under test gets.
 *
 * Rate limits are RAISED, not disabled: a load test comes from one IP (127.0.0.1), so the defaults (30 sign-ins per
 * minute per IP, …) would cut it off with 429s, but turning them off would also skip the limiter's statement on
 * every sign-in. With a limit of a million per window the limiter still runs on each request and never refuses.
 * The per-recipient mail limit (`mailPerRecipient`, default 5 mails per address per 15 minutes) is raised the same
 * way: the forgot-password and resend-verification timings send to the same seeded addresses again and again, and
 * their known case must do its full work (token, mail, outbox row) every time, not stop at the limit.
 * The per-account lockout stays at its default (5 failures in 15 minutes).
 */
import type { AuthsomeConfig, RateLimitConfig } from "../../src/engine/config.js";

/** Connections per server: Authsome's store, the ceiling's pool and better-auth's pool alike. */
export const benchPoolSize = 10;

export const raisedRateLimit = 1_000_000;

export const raisedRateLimits = {
  signIn: raisedRateLimit,
  signUp: raisedRateLimit,
  forgotPassword: raisedRateLimit,
  verifyEmail: raisedRateLimit,
  refresh: raisedRateLimit,
  reauthenticate: raisedRateLimit,
  mailPerRecipient: raisedRateLimit,
} satisfies RateLimitConfig;

/**
 * The MFA plugin's limit (every route that takes a second-factor code), raised the same way — in an engine that
 * mounts `mfa()` only: a configuration may name only the limits of the engine and its mounted plugins.
 */
export const raisedMfaRateLimits = { mfaChallenge: raisedRateLimit } satisfies RateLimitConfig;

/** The passkey plugin's limits (registration, sign-in options, sign-in), raised the same way — where `passkey()` is mounted. */
export const raisedPasskeyRateLimits = {
  passkeyRegister: raisedRateLimit,
  passkeyLoginOptions: raisedRateLimit,
  passkeyLogin: raisedRateLimit,
} satisfies RateLimitConfig;

export const authsomeBasePath = "/v1/auth";

export const authsomeBenchConfig: AuthsomeConfig = {
  development: true,
  basePath: authsomeBasePath,
  rateLimits: raisedRateLimits,
  // lockout: left at its default on purpose
};

/** The password of every seeded Authsome user (and the one the bare argon2 server verifies). */
export const seedPassword = "correct horse battery staple";

export const seedEmail = (index: number) => `bench${index}@example.com`;
