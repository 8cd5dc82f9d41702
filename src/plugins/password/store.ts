import { and, eq, isNull } from "drizzle-orm";
import { countHitOnConflict, defineStore, ipHitCtes, type LimitSpec, mapRow, runStatement, type Statement, type User } from "../../plugin/index.js";
import { users } from "../../schema/users.js";
import { passwordHashes } from "./schema.js";

/** A user found for sign-in, with everything the decision needs from one statement. */
export interface SignInCandidate {
  user: User;
  /** The current PHC string; null for an account without a password (e.g. social only). */
  hash: string | null;
}

/** What the sign-in lookup found, and the client's per-IP count when one was asked for. */
export interface SignInLookup {
  /** Null for an unknown account — and for any account once the client is over its limit (nothing is read then). */
  candidate: SignInCandidate | null;
  /** Set while the submitted identifier is locked out (known account or not). */
  lockedUntil: Date | null;
  /** Attempts on this identifier in the current lockout window including this one (0 when not counted: locked, over the IP limit, or lockout off). */
  attempts: number;
  rateLimit: { count: number; resetAt: Date } | null;
}

export interface AttemptWindow {
  /** Length of the window attempts are counted in. */
  windowSeconds: number;
  /** The identifier's rows in `authsome_rate_limits` (see `lockoutKeys`). */
  keys: { attempts: string; lock: string };
}

/**
 * The sign-in lookup (prepared: planning these CTEs cost the database more than running them). $1 IP key, $2 now,
 * $3 its window's end, $4 whether the IP is counted, $5 app, $6 environment, $7 the IP limit, $8 the attempt
 * window's end, $9 whether attempts are counted, $10 the email or username, $11 the identifier's attempt key, $12 its
 * lock key. Attempts and locks belong to the identifier as submitted, so an unknown one is counted like a real one.
 *
 * It commits asynchronously (`synchronous_commit` off for its own transaction, so it must never run inside a
 * caller's): the counts are visible to every other sign-in at once, so a concurrent burst is still cut off at the
 * limit, but they are not worth a WAL flush of their own — a PostgreSQL crash may forget the last fraction of a
 * second of counting. Under sign-in load that flush was a fifth of the database's CPU per sign-in. The lock that
 * a lockout writes, the session and its audit event commit synchronously as ever.
 */
function signInStatement(name: string, identity: string): Statement {
  return {
    name,
    text: `WITH ${ipHitCtes({ key: "$1", now: "$2", windowEnd: "$3", counted: "$4", limit: "$7" })}, lock AS (
        SELECT expires_at FROM authsome_rate_limits WHERE key = $12 AND expires_at > $2
      ), candidate AS (
        SELECT u.*, ph.hash AS password_hash
        FROM authsome_users u
        LEFT JOIN authsome_password_hashes ph ON ph.user_id = u.id AND ph.replaced_at IS NULL
        WHERE u.app_id = $5 AND u.env_id = $6 AND ${identity} AND u.deleted_at IS NULL AND (SELECT ok FROM within_ip)
        LIMIT 1
      ), attempt AS (
        INSERT INTO authsome_rate_limits (key, hits, window_started_at, expires_at)
        SELECT $11, 1, $2, $8
        WHERE $9 AND (SELECT ok FROM within_ip) AND NOT EXISTS (SELECT 1 FROM lock)
        ${countHitOnConflict}
        RETURNING hits
      )
      SELECT c.*, (SELECT hits FROM attempt) AS attempts, (SELECT expires_at FROM lock) AS locked_until,
        ip.hits AS ip_hits, ip.expires_at AS ip_reset_at
      FROM (SELECT set_config('synchronous_commit', 'off', true)) AS one LEFT JOIN candidate c ON true LEFT JOIN ip_hit ip ON true`,
  };
}
const signInByEmail = signInStatement("authsome_signin_by_email", "u.email = $10");
const signInByUsername = signInStatement("authsome_signin_by_username", "u.username = $10 AND u.username <> ''");

/**
 * Queries on the plugin's own table, on `repos.db` (a transaction's when `repos` is one), built once per repos; every
 * failure reaches the caller mapped by the store, like the core sub-stores'.
 */
export const passwordStore = defineStore({}, function passwordQueries(repos) {
  const { db } = repos;
  /** The user's current hash row. */
  const current = async (userId: string) => {
    const [row] = await db
      .select({ hash: passwordHashes.hash, createdAt: passwordHashes.createdAt })
      .from(passwordHashes)
      .where(and(eq(passwordHashes.userId, userId), isNull(passwordHashes.replacedAt)))
      .limit(1);
    return row ?? null;
  };
  return {
    /**
     * One statement: the client's per-IP hit counted (`ipLimit`); unless that went over the limit, the live user by
     * email or username, its current hash and lock, and — unless it is locked or `counting` is off — this attempt
     * counted atomically, so concurrent guesses cannot all slip under the limit.
     */
    async beginSignIn(
      by: { appId: string; envId: string; email?: string; username?: string },
      now: Date,
      counting: AttemptWindow | false,
      ipLimit: LimitSpec | null = null,
    ): Promise<SignInLookup> {
      const byEmail = by.email !== undefined;
      const [row] = (await runStatement(repos, byEmail ? signInByEmail : signInByUsername, [
        ipLimit?.key ?? "",
        now,
        new Date(now.getTime() + (ipLimit ? ipLimit.windowSeconds : 0) * 1000),
        ipLimit !== null,
        by.appId,
        by.envId,
        ipLimit?.limit ?? 0,
        new Date(now.getTime() + (counting ? counting.windowSeconds : 0) * 1000),
        counting !== false,
        byEmail ? by.email : (by.username ?? ""),
        counting ? counting.keys.attempts : "",
        counting ? counting.keys.lock : "",
      ])) as [Record<string, unknown>];
      const rateLimit = row.ip_hits === null || row.ip_hits === undefined ? null : { count: Number(row.ip_hits), resetAt: new Date(row.ip_reset_at as string) };
      const lockedUntil = row.locked_until ? new Date(row.locked_until as string) : null;
      const attempts = Number(row.attempts ?? 0);
      if (row.id === null || row.id === undefined) return { candidate: null, rateLimit, lockedUntil, attempts };
      return {
        candidate: { user: mapRow(users, row), hash: (row.password_hash as string | null) ?? null },
        rateLimit,
        lockedUntil,
        attempts,
      };
    },

    async currentHash(userId: string): Promise<string | null> {
      return (await current(userId))?.hash ?? null;
    },

    /** When the current password was set; null for an account without one. */
    async currentSetAt(userId: string): Promise<Date | null> {
      return (await current(userId))?.createdAt ?? null;
    },

    /** Every hash of the user, current and history (account deletion). */
    async deleteAll(userId: string): Promise<void> {
      await db.delete(passwordHashes).where(eq(passwordHashes.userId, userId));
    },

    async setInitial(userId: string, hash: string, now: Date): Promise<void> {
      await db.insert(passwordHashes).values({ userId, hash, createdAt: now });
    },

    /** Retires the current hash (kept as history) and stores the new one. Run it inside a transaction. */
    async replace(userId: string, hash: string, now: Date): Promise<void> {
      await db
        .update(passwordHashes)
        .set({ replacedAt: now })
        .where(and(eq(passwordHashes.userId, userId), isNull(passwordHashes.replacedAt)));
      await db.insert(passwordHashes).values({ userId, hash, createdAt: now });
    },
  };
});
