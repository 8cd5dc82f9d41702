import { and, eq, isNull, sql } from "drizzle-orm";
import { type LimitSpec, lockoutKeyPrefixes } from "../../engine/services/protection.js";
import { rateLimits } from "../../schema/rate-limits.js";
import { users } from "../../schema/users.js";
import type { StoreRepositories, User } from "../../store/contract.js";
import { mapRow, rowsOf } from "../../store/postgres/rows.js";
import { passwordHashes } from "./schema.js";

/** A user found for sign-in, with everything the decision needs from one statement. */
export interface SignInCandidate {
  user: User;
  /** The current PHC string; null for an account without a password (e.g. social only). */
  hash: string | null;
  /** Set while the account is locked out. */
  lockedUntil: Date | null;
  /** Sign-in attempts in the current lockout window including this one (0 when not counted: locked or lockout off). */
  attempts: number;
}

/** What the sign-in lookup found, and the client's per-IP count when one was asked for. */
export interface SignInLookup {
  /** Null for an unknown account — and for any account once the client is over its limit (nothing is read then). */
  candidate: SignInCandidate | null;
  rateLimit: { count: number; resetAt: Date } | null;
}

export interface AttemptWindow {
  /** Length of the window attempts are counted in. */
  windowSeconds: number;
}

/**
 * Queries on the plugin's own table, on `repos.db` (a transaction's when `repos` is one); every failure reaches
 * the caller mapped by the store, like the core sub-stores'.
 */
/** A counter row's upsert: a new window once the stored one has expired, else one more hit. */
const stale = sql`authsome_rate_limits.expires_at <= excluded.window_started_at`;
const countOnConflict = sql`ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN ${stale} THEN 1 ELSE authsome_rate_limits.hits + 1 END,
  window_started_at = CASE WHEN ${stale} THEN excluded.window_started_at ELSE authsome_rate_limits.window_started_at END,
  expires_at = CASE WHEN ${stale} THEN excluded.expires_at ELSE authsome_rate_limits.expires_at END`;

export function passwordStore(repos: Pick<StoreRepositories, "db" | "mapError">) {
  const { db } = repos;
  const queries = {
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
      const identity = by.email !== undefined ? sql`u.email = ${by.email}` : sql`u.username = ${by.username ?? ""} AND u.username <> ''`;
      const windowEnd = new Date(now.getTime() + (counting ? counting.windowSeconds : 0) * 1000);
      const ipWindowEnd = new Date(now.getTime() + (ipLimit ? ipLimit.windowSeconds : 0) * 1000);
      const result = await db.execute(sql`
        WITH ip_hit AS (
          INSERT INTO ${rateLimits} (key, hits, window_started_at, expires_at)
          SELECT ${ipLimit?.key ?? ""}, 1, ${now}, ${ipWindowEnd} WHERE ${ipLimit !== null}
          ${countOnConflict}
          RETURNING hits, expires_at
        ), candidate AS (
          SELECT u.*, ph.hash AS password_hash, lk.expires_at AS locked_until
          FROM ${users} u
          LEFT JOIN ${passwordHashes} ph ON ph.user_id = u.id AND ph.replaced_at IS NULL
          LEFT JOIN ${rateLimits} lk ON lk.key = ${lockoutKeyPrefixes.lock} || u.id AND lk.expires_at > ${now}
          WHERE u.app_id = ${by.appId} AND u.env_id = ${by.envId} AND ${identity} AND u.deleted_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM ip_hit WHERE hits > ${ipLimit?.limit ?? 0})
          LIMIT 1
        ), attempt AS (
          INSERT INTO ${rateLimits} (key, hits, window_started_at, expires_at)
          SELECT ${lockoutKeyPrefixes.attempts} || id, 1, ${now}, ${windowEnd} FROM candidate
          WHERE locked_until IS NULL AND ${counting !== false}
          ${countOnConflict}
          RETURNING hits
        )
        SELECT c.*, (SELECT hits FROM attempt) AS attempts, ip.hits AS ip_hits, ip.expires_at AS ip_reset_at
        FROM (SELECT 1) AS one LEFT JOIN candidate c ON true LEFT JOIN ip_hit ip ON true`);
      const row = rowsOf(result)[0] as Record<string, unknown>;
      const rateLimit = row.ip_hits === null || row.ip_hits === undefined ? null : { count: Number(row.ip_hits), resetAt: new Date(row.ip_reset_at as string) };
      if (row.id === null || row.id === undefined) return { candidate: null, rateLimit };
      return {
        candidate: {
          user: mapRow(users, row),
          hash: (row.password_hash as string | null) ?? null,
          lockedUntil: row.locked_until ? new Date(row.locked_until as string) : null,
          attempts: Number(row.attempts ?? 0),
        },
        rateLimit,
      };
    },

    async currentHash(userId: string): Promise<string | null> {
      const [row] = await db
        .select({ hash: passwordHashes.hash })
        .from(passwordHashes)
        .where(and(eq(passwordHashes.userId, userId), isNull(passwordHashes.replacedAt)))
        .limit(1);
      return row?.hash ?? null;
    },

    async setInitial(userId: string, hash: string): Promise<void> {
      await db.insert(passwordHashes).values({ userId, hash });
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
  return guarded(queries, repos.mapError);
}

function guarded<T extends Record<string, (...args: never[]) => Promise<unknown>>>(queries: T, mapError: (err: unknown) => Error): T {
  const out = {} as Record<string, unknown>;
  for (const [name, query] of Object.entries(queries)) {
    out[name] = async (...args: never[]) => {
      try {
        return await query(...args);
      } catch (err) {
        throw mapError(err);
      }
    };
  }
  return out as T;
}
