import { and, eq, gt, lte } from "drizzle-orm";
import { AuthsomeError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { rateLimits } from "../../schema/rate-limits.js";
import type { RateLimitsStore, RateLimitState } from "../contract/index.js";
import { runStatement, type Statement, type StatementTarget } from "./prepared.js";

/**
 * A counter row's upsert, for `INSERT INTO authsome_rate_limits (key, hits, window_started_at, expires_at) …`: a new
 * window once the stored one has expired, else one more hit. In ON CONFLICT DO UPDATE the table's columns are the
 * stored row and `excluded` the row we tried to insert, which carries this hit's `now` and new window end; comparing
 * against `excluded` keeps the caller's clock the only clock (no SQL now()). The sign-in lookup counts with it too.
 */
export const countHitOnConflict = `ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN authsome_rate_limits.expires_at <= excluded.window_started_at THEN 1 ELSE authsome_rate_limits.hits + 1 END,
  window_started_at = CASE WHEN authsome_rate_limits.expires_at <= excluded.window_started_at
                      THEN excluded.window_started_at ELSE authsome_rate_limits.window_started_at END,
  expires_at = CASE WHEN authsome_rate_limits.expires_at <= excluded.window_started_at
               THEN excluded.expires_at ELSE authsome_rate_limits.expires_at END`;

/**
 * The CTEs of a statement that counts the client's per-IP hit before anything else: `ip_hit` (the counted row's
 * `hits` and `expires_at`; no row when not counted) and `within_ip` (`ok`: not over the limit). Each argument is the
 * statement's parameter (`$1`, …) for the key, now, the window's end, whether to count, and the limit.
 */
export function ipHitCtes(p: { key: string; now: string; windowEnd: string; counted: string; limit: string }): string {
  return `ip_hit AS (
      INSERT INTO authsome_rate_limits (key, hits, window_started_at, expires_at)
      SELECT ${p.key}, 1, ${p.now}, ${p.windowEnd} WHERE ${p.counted}
      ${countHitOnConflict}
      RETURNING hits, expires_at
    ), within_ip AS (
      SELECT NOT EXISTS (SELECT 1 FROM ip_hit WHERE hits > ${p.limit}) AS ok
    )`;
}

const hitStatement: Statement = {
  name: "authsome_rate_limit_hit",
  text: `INSERT INTO authsome_rate_limits (key, hits, window_started_at, expires_at) VALUES ($1, 1, $2, $3)
    ${countHitOnConflict}
    RETURNING hits, expires_at`,
};

/** A window comes from configuration or code, never from a request: a bad one is a programming error (500, logged). */
function assertWindowSeconds(windowSeconds: number): void {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
    throw new AuthsomeError("invalid_argument", "A rate-limit window must be a positive whole number of seconds");
  }
}

export class PgRateLimitsStore implements RateLimitsStore {
  private readonly db: AnyPgDatabase;

  constructor(private readonly statements: StatementTarget) {
    this.db = statements.db;
  }

  async hit(key: string, windowSeconds: number, now: Date): Promise<RateLimitState> {
    assertWindowSeconds(windowSeconds);
    const expiresAt = new Date(now.getTime() + windowSeconds * 1000);
    // One statement: the conflicting row is locked for the update, so concurrent hits on one key serialise and
    // each sees the previous count (no lost increments, no read-then-write race).
    const [row] = await runStatement(this.statements, hitStatement, [key, now, expiresAt]);
    return { count: Number(row?.hits), resetAt: new Date(row?.expires_at as string | Date) };
  }

  async findByKey(key: string, now: Date): Promise<RateLimitState | null> {
    const [row] = await this.db
      .select({ hits: rateLimits.hits, expiresAt: rateLimits.expiresAt })
      .from(rateLimits)
      .where(and(eq(rateLimits.key, key), gt(rateLimits.expiresAt, now)))
      .limit(1);
    return row ? { count: row.hits, resetAt: row.expiresAt } : null;
  }

  async reset(key: string): Promise<number> {
    const rows = await this.db.delete(rateLimits).where(eq(rateLimits.key, key)).returning({ key: rateLimits.key });
    return rows.length;
  }

  async purgeExpired(now: Date): Promise<number> {
    // `returning` rather than rowCount: the two drivers report affected rows differently.
    const rows = await this.db
      .delete(rateLimits)
      .where(lte(rateLimits.expiresAt, now))
      .returning({ key: rateLimits.key });
    return rows.length;
  }
}
