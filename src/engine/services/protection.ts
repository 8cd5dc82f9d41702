import { hashToken } from "../../crypto/tokens.js";
import { RateLimitError } from "../../errors.js";
import type { StoreRepositories, User } from "../../store/contract.js";
import type { PerIpLimitName, ResolvedConfig } from "../config.js";
import type { RequestMeta } from "./sessions.js";

export type RateLimitName = PerIpLimitName;

/** What a sign-in names its account by: counted and locked as submitted (normalised), whether or not it exists. */
export interface SignInIdentifier {
  appId: string;
  envId: string;
  kind: "email" | "username";
  /** Trimmed and lower-cased. */
  value: string;
}

/**
 * The lockout rows of one identifier in `authsome_rate_limits`. Keyed by a hash of the identifier, not by user id:
 * an unknown address is counted and locked exactly like a real one (no enumeration through `account_locked`), and
 * the table holds no addresses.
 */
export function lockoutKeys(id: SignInIdentifier): { attempts: string; lock: string } {
  const digest = hashToken(`${id.appId}:${id.envId}:${id.kind}:${id.value}`);
  return { attempts: `signin-attempts:${digest}`, lock: `signin-lock:${digest}` };
}

/** The counter of one trusted device's sign-ins past a lock. */
export const deviceAttemptsKey = (deviceId: string) => `signin-device:${deviceId}`;

/** The identifiers a user can sign in with (email, and username when set). */
export function identifiersOf(user: User): SignInIdentifier[] {
  const base = { appId: user.appId, envId: user.envId };
  const ids: SignInIdentifier[] = [{ ...base, kind: "email", value: user.email.trim().toLowerCase() }];
  if (user.username) ids.push({ ...base, kind: "username", value: user.username.toLowerCase() });
  return ids;
}

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
  config: Pick<ResolvedConfig, "rateLimits" | "lockout" | "mailPerRecipient">;
  now: () => Date;
}

const accountLocked = (retryAfter: number) =>
  new RateLimitError("account_locked", "Too many failed sign-ins; the account is locked for a while", retryAfter);

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

    /** Whether `lockedUntil` (the identifier's lock, if any) is still in the future. */
    isLocked(lockedUntil: Date | null): boolean {
      return config.lockout !== false && lockedUntil !== null && lockedUntil > now();
    },

    /** @throws RateLimitError `account_locked` when `lockedUntil` is in the future. */
    assertNotLocked(lockedUntil: Date | null): void {
      if (this.isLocked(lockedUntil)) throw accountLocked(retryAfterSeconds(lockedUntil as Date, now()));
    },

    /**
     * Counts one attempt of a trusted device past a lock, before its password is checked (its own budget: a stolen
     * device cookie buys no more guesses than the lockout allows; a success clears it).
     * @throws RateLimitError `account_locked` once that budget is spent.
     */
    async countDeviceAttempt(deviceId: string, lockedUntil: Date): Promise<void> {
      if (!config.lockout) return;
      const state = await store.rateLimits.hit(deviceAttemptsKey(deviceId), config.lockout.windowSeconds, now());
      if (state.count > config.lockout.maxAttempts) throw accountLocked(retryAfterSeconds(lockedUntil, now()));
    },

    /**
     * Counts one mail to `address` against the per-recipient limit (whoever asked for it, from whatever IP);
     * false when the address had its share and nothing should be sent.
     */
    async allowMailTo(tenant: { appId: string; envId: string }, address: string): Promise<boolean> {
      if (!config.mailPerRecipient) return true;
      const key = `mail-to:${hashToken(`${tenant.appId}:${tenant.envId}:${address.trim().toLowerCase()}`)}`;
      const state = await store.rateLimits.hit(key, config.mailPerRecipient.windowSeconds, now());
      return state.count <= config.mailPerRecipient.limit;
    },

    /** Whether `attempts` (counted before the password check, this one included) reached the limit. */
    isOverLimit(attempts: number): boolean {
      return config.lockout !== false && attempts >= config.lockout.maxAttempts;
    },

    /** Whether more attempts than allowed are under way (a concurrent burst): refuse without checking the password. */
    isBeyondLimit(attempts: number): boolean {
      return config.lockout !== false && attempts > config.lockout.maxAttempts;
    },

    /** The refusal of a sign-in while its identifier is locked. */
    lockedError(): RateLimitError {
      return accountLocked(config.lockout ? config.lockout.durationSeconds : 1);
    },

    /**
     * Locks the identifier for the configured duration. The attempt counter is left to expire with its window:
     * deleting it here would restart the count for sign-ins already in flight.
     */
    async lock(id: SignInIdentifier): Promise<void> {
      if (!config.lockout) return;
      await store.rateLimits.hit(lockoutKeys(id).lock, config.lockout.durationSeconds, now());
    },

    /** Lifts every lock on the user's identifiers and forgets their attempts (a password reset, an unlock link). */
    async unlock(user: User): Promise<void> {
      for (const id of identifiersOf(user)) {
        const keys = lockoutKeys(id);
        await store.rateLimits.reset(keys.attempts);
        await store.rateLimits.reset(keys.lock);
      }
    },
  };
}

export type Protection = ReturnType<typeof createProtection>;
