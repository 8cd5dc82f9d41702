import { and, eq, gt, lte, sql } from "drizzle-orm";
import { ValidationError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { rateLimits } from "../../schema/rate-limits.js";
import type { RateLimitsStore, RateLimitState } from "../contract.js";

// In ON CONFLICT DO UPDATE, the table's columns are the stored row and `excluded` is the row we tried to insert,
// which carries this hit's `now` and new window end. Comparing against `excluded` keeps the caller's clock the
// only clock (no SQL now()).
const isStoredWindowOver = sql`${rateLimits.expiresAt} <= excluded.window_started_at`;

function assertWindowSeconds(windowSeconds: number): void {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
    throw new ValidationError("invalid_request", "windowSeconds must be a positive integer", {
      details: { fields: { windowSeconds: "must be a positive integer" } },
    });
  }
}

export class PgRateLimitsStore implements RateLimitsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async hit(key: string, windowSeconds: number, now: Date): Promise<RateLimitState> {
    assertWindowSeconds(windowSeconds);
    const expiresAt = new Date(now.getTime() + windowSeconds * 1000);
    // One statement: the conflicting row is locked for the update, so concurrent hits on one key serialise and
    // each sees the previous count (no lost increments, no read-then-write race).
    const [row] = await this.db
      .insert(rateLimits)
      .values({ key, hits: 1, windowStartedAt: now, expiresAt })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          hits: sql`CASE WHEN ${isStoredWindowOver} THEN 1 ELSE ${rateLimits.hits} + 1 END`,
          windowStartedAt: sql`CASE WHEN ${isStoredWindowOver} THEN excluded.window_started_at ELSE ${rateLimits.windowStartedAt} END`,
          expiresAt: sql`CASE WHEN ${isStoredWindowOver} THEN excluded.expires_at ELSE ${rateLimits.expiresAt} END`,
        },
      })
      .returning({ hits: rateLimits.hits, expiresAt: rateLimits.expiresAt });
    const state = row as { hits: number; expiresAt: Date };
    return { count: state.hits, resetAt: state.expiresAt };
  }

  async peek(key: string, now: Date): Promise<RateLimitState | null> {
    const [row] = await this.db
      .select({ hits: rateLimits.hits, expiresAt: rateLimits.expiresAt })
      .from(rateLimits)
      .where(and(eq(rateLimits.key, key), gt(rateLimits.expiresAt, now)))
      .limit(1);
    return row ? { count: row.hits, resetAt: row.expiresAt } : null;
  }

  async reset(key: string): Promise<void> {
    await this.db.delete(rateLimits).where(eq(rateLimits.key, key));
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
