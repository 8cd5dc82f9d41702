import { RateLimitError } from "../../errors.js";
import type { StoreRepositories } from "../../store/contract.js";
import type { ResolvedConfig } from "../config.js";
import type { RequestMeta } from "./sessions.js";

export type RateLimitName = "signIn" | "signUp" | "forgotPassword" | "verifyEmail" | "refresh" | "mfaChallenge";

/** Prefixes of the per-account lockout rows in `authsome_rate_limits` (a sign-in lookup joins them by user id). */
export const lockoutKeyPrefixes = { attempts: "signin-attempts:", lock: "signin-lock:" } as const;

export const lockoutKeys = {
  attempts: (userId: string) => `${lockoutKeyPrefixes.attempts}${userId}`,
  lock: (userId: string) => `${lockoutKeyPrefixes.lock}${userId}`,
};

function retryAfterSeconds(resetAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
}

/** A per-IP limit to count: `key` in `authsome_rate_limits`, at most `limit` hits per `windowSeconds`. */
export interface LimitSpec {
  key: string;
  limit: number;
  windowSeconds: number;
}

export interface ProtectionDeps {
  store: StoreRepositories;
  config: Pick<ResolvedConfig, "rateLimits" | "lockout">;
  now: () => Date;
}

/**
 * Per-IP rate limits and per-account lockout, counted in PostgreSQL so every instance shares them.
 */
export function createProtection({ store, config, now }: ProtectionDeps) {
  return {
    /** Counts one request of `name` from the client. @throws RateLimitError `rate_limited` over the limit. */
    async limit(name: RateLimitName, meta: RequestMeta): Promise<void> {
      const spec = this.limitOf(name, meta);
      if (!spec) return;
      this.assertWithin(spec, await store.rateLimits.hit(spec.key, spec.windowSeconds, now()));
    },

    /** The limit `name` puts on this client, for a caller that counts it inside its own statement; null when off. */
    limitOf(name: RateLimitName, meta: RequestMeta): LimitSpec | null {
      if (!config.rateLimits) return null;
      const limit = config.rateLimits.limits[name];
      if (limit === false) return null;
      return { key: `rl:${name}:${meta.ipAddress}`, limit, windowSeconds: config.rateLimits.windowSeconds };
    },

    /** @throws RateLimitError `rate_limited` when the counted hits exceed the spec's limit. */
    assertWithin(spec: LimitSpec | null, state: { count: number; resetAt: Date } | null): void {
      if (spec && state && state.count > spec.limit) {
        throw new RateLimitError("rate_limited", "Too many requests; try again later", retryAfterSeconds(state.resetAt, now()));
      }
    },

    /** @throws RateLimitError `account_locked` when `lockedUntil` is in the future. */
    assertNotLocked(lockedUntil: Date | null): void {
      const at = now();
      if (config.lockout && lockedUntil && lockedUntil > at) {
        throw new RateLimitError(
          "account_locked",
          "Too many failed sign-ins; the account is locked for a while",
          retryAfterSeconds(lockedUntil, at),
        );
      }
    },

    /** Whether `attempts` (counted before the password check, this one included) reached the limit. */
    isOverLimit(attempts: number): boolean {
      return config.lockout !== false && attempts >= config.lockout.maxAttempts;
    },

    /** Whether more attempts than allowed are under way (a concurrent burst): refuse without checking the password. */
    isBeyondLimit(attempts: number): boolean {
      return config.lockout !== false && attempts > config.lockout.maxAttempts;
    },

    /** Locks the account and refuses this attempt. @throws RateLimitError `account_locked` */
    async lockOut(userId: string): Promise<never> {
      await this.lock(userId);
      const duration = config.lockout ? config.lockout.durationSeconds : 1;
      throw new RateLimitError("account_locked", "Too many failed sign-ins; the account is locked for a while", duration);
    },

    /**
     * Locks the account for the configured duration. The attempt counter is left to expire with its window:
     * deleting it here would restart the count for sign-ins already in flight.
     */
    async lock(userId: string): Promise<void> {
      if (!config.lockout) return;
      await store.rateLimits.hit(lockoutKeys.lock(userId), config.lockout.durationSeconds, now());
    },

    /** Forgets sign-in attempts after a success (or a password reset, which also lifts a lock). */
    async clearAttempts(userId: string, options: { unlock?: boolean } = {}): Promise<void> {
      await store.rateLimits.reset(lockoutKeys.attempts(userId));
      if (options.unlock) await store.rateLimits.reset(lockoutKeys.lock(userId));
    },
  };
}

export type Protection = ReturnType<typeof createProtection>;
