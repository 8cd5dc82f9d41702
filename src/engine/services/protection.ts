import { hashToken } from "../../crypto/tokens.js";
import { RateLimitError } from "../../errors.js";
import type { StoreRepositories, User } from "../../store/contract/index.js";
import { AuthsomeError } from "../../errors.js";
import type { ResolvedConfig } from "../config.js";
import type { RequestMeta } from "../request-meta.js";

/** How an email or username is compared and counted everywhere: trimmed and lower-cased. */
export function normalizeIdentifier(value: string): string {
  return value.trim().toLowerCase();
}

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

const reauthenticationKey = (userId: string) => `reauth-attempts:${userId}`;

/** The counter of one trusted device's sign-ins past a lock. */
export const deviceAttemptsKey = (deviceId: string) => `signin-device:${deviceId}`;

/** The identifiers a user can sign in with (email, and username when set). */
export function identifiersOf(user: User): SignInIdentifier[] {
  const base = { appId: user.appId, envId: user.envId };
  const ids: SignInIdentifier[] = [{ ...base, kind: "email", value: normalizeIdentifier(user.email) }];
  if (user.username) ids.push({ ...base, kind: "username", value: normalizeIdentifier(user.username) });
  return ids;
}

/** Attempts at a verification code sent with `email` where no code is pending (see `countCodeAttempt`). */
function codeAttemptsKey(tenant: { appId: string; envId: string }, email: string): string {
  return `verify-code:${hashToken(`${tenant.appId}:${tenant.envId}:${normalizeIdentifier(email)}`)}`;
}

/**
 * What the per-IP limits count a client as: its address, or for IPv6 its /64 — one subscriber line, which can rotate
 * through every address in it.
 */
export function rateLimitSubject(ip: string): string {
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.split("::", 2) as [string, string?];
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") && tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => (g.replace(/^0+(?=.)/, "") || "0").toLowerCase()).join(":")}::/64`;
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
  /** Every declared per-IP limit with its default (requests per window): the engine's and each plugin's. */
  declaredLimits: ReadonlyMap<string, number>;
}

/** Per-IP limits the engine declares itself (plugins declare theirs in `AuthsomePlugin.rateLimits`). */
export const coreRateLimits = { refresh: 60, reauthenticate: 30 } as const;

const accountLocked = (retryAfter: number) =>
  new RateLimitError("account_locked", "Too many failed sign-ins; the account is locked for a while", retryAfter);

/**
 * Per-IP rate limits and per-account lockout, counted in PostgreSQL so every instance shares them.
 */
export function createProtection({ store, config, now, declaredLimits }: ProtectionDeps) {
  // The limit in force per name: the configured override, else the declared default.
  const limits = new Map<string, number | false>();
  for (const [name, limit] of declaredLimits) limits.set(name, config.rateLimits ? (config.rateLimits.limits[name] ?? limit) : false);
  return {
    /** Counts one request of `name` from the client. @throws RateLimitError `rate_limited` over the limit. */
    async limit(name: string, meta: RequestMeta): Promise<void> {
      const spec = this.limitOf(name, meta);
      if (!spec) return;
      this.assertWithin(spec, await store.rateLimits.hit(spec.key, spec.windowSeconds, now()));
    },

    /**
     * The limit `name` puts on this client, for a caller that counts it inside its own statement; null when off.
     * @throws AuthsomeError `unknown_rate_limit` for a name nobody declared (a programming error).
     */
    limitOf(name: string, meta: RequestMeta): LimitSpec | null {
      const limit = limits.get(name);
      if (limit === undefined) throw new AuthsomeError("unknown_rate_limit", `Rate limit "${name}" is not declared by the engine or any plugin`);
      if (limit === false || !config.rateLimits) return null;
      return { key: `rl:${name}:${rateLimitSubject(meta.ipAddress)}`, limit, windowSeconds: config.rateLimits.windowSeconds };
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
      const key = `mail-to:${hashToken(`${tenant.appId}:${tenant.envId}:${normalizeIdentifier(address)}`)}`;
      const state = await store.rateLimits.hit(key, config.mailPerRecipient.windowSeconds, now());
      return state.count <= config.mailPerRecipient.limit;
    },

    /** Whether `attempts` (counted before the password check, this one included) is the last one allowed: it locks. */
    reachesLimit(attempts: number): boolean {
      return config.lockout !== false && attempts >= config.lockout.maxAttempts;
    },

    /** Whether more attempts than allowed are under way (a concurrent burst): refuse without checking the password. */
    exceedsLimit(attempts: number): boolean {
      return config.lockout !== false && attempts > config.lockout.maxAttempts;
    },

    /** The refusal of a sign-in while its identifier is locked. */
    lockedError(): RateLimitError {
      return accountLocked(config.lockout ? config.lockout.durationSeconds : 1);
    },

    /**
     * Locks the identifier for the configured duration; true when this call set the lock (a concurrent burst's other
     * requests find it set), so the owner is told once. The attempt counter is left to expire with its window:
     * deleting it here would restart the count for sign-ins already in flight.
     */
    async lock(id: SignInIdentifier): Promise<boolean> {
      if (!config.lockout) return false;
      return (await store.rateLimits.hit(lockoutKeys(id).lock, config.lockout.durationSeconds, now())).count === 1;
    },

    /** Sets the lock row `key` for the lockout's duration (a lock of something other than an identifier). */
    async lockKey(key: string): Promise<void> {
      if (config.lockout) await store.rateLimits.hit(key, config.lockout.durationSeconds, now());
    },

    /**
     * Counts one password check made from an existing session (change password, delete the account), before the
     * password is compared: a stolen session gets `maxAttempts` guesses per lockout window, then none. Its own
     * counter, so guesses at sign-in cannot lock the owner out of their own session's changes, nor the other way round.
     * @throws RateLimitError `account_locked` beyond the budget
     */
    async countReauthentication(user: User): Promise<void> {
      if (!config.lockout) return;
      const state = await store.rateLimits.hit(reauthenticationKey(user.id), config.lockout.windowSeconds, now());
      if (state.count > config.lockout.maxAttempts) throw accountLocked(retryAfterSeconds(state.resetAt, now()));
    },

    /** After a successful re-authentication: the session's budget is whole again. */
    async clearReauthentication(user: User): Promise<void> {
      if (config.lockout) await store.rateLimits.reset(reauthenticationKey(user.id));
    },

    /**
     * Counts one attempt at a verification code for an address with no pending code, so that it answers as a real
     * address would; returns the attempts in the code's lifetime, this one included.
     */
    async countCodeAttempt(tenant: { appId: string; envId: string }, email: string, windowSeconds: number): Promise<number> {
      return (await store.rateLimits.hit(codeAttemptsKey(tenant, email), windowSeconds, now())).count;
    },

    /** Gives such an address fresh attempts, as a resend gives a real one a fresh code. */
    async resetCodeAttempts(tenant: { appId: string; envId: string }, email: string): Promise<void> {
      await store.rateLimits.reset(codeAttemptsKey(tenant, email));
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
