import { and, eq, gt, isNull, lte } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { passwordResets } from "../../schema/verifications.js";
import type { NewPasswordReset, PasswordReset, PasswordResetsStore, TenantScope } from "../contract/index.js";
import { inScope } from "./scope.js";

/** Unconsumed and unexpired at `now` (the caller's clock, never the database's). */
function isOpen(now: Date) {
  return and(isNull(passwordResets.consumedAt), gt(passwordResets.expiresAt, now));
}

export class PgPasswordResetsStore implements PasswordResetsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewPasswordReset): Promise<PasswordReset> {
    const [row] = await this.db.insert(passwordResets).values(input).returning();
    return row as PasswordReset;
  }

  async consume(scope: TenantScope, tokenHash: string, now: Date): Promise<PasswordReset | null> {
    // One UPDATE … WHERE consumed_at IS NULL: of concurrent callers only the first to lock the row matches; the
    // others re-check the predicate after it commits and get nothing, so a reset link works exactly once. Another
    // tenant's reset does not match, so it is neither returned nor burned.
    const [row] = await this.db
      .update(passwordResets)
      .set({ consumedAt: now })
      .where(
        and(
          eq(passwordResets.tokenHash, tokenHash),
          inScope(passwordResets, scope),
          isOpen(now),
        ),
      )
      .returning();
    return row ?? null;
  }

  async consumeAllForUser(userId: string, now: Date): Promise<number> {
    const rows = await this.db
      .update(passwordResets)
      .set({ consumedAt: now })
      .where(and(eq(passwordResets.userId, userId), isOpen(now)))
      .returning({ id: passwordResets.id });
    return rows.length;
  }

  async purgeExpired(now: Date): Promise<number> {
    // `returning` rather than rowCount: the two drivers report affected rows differently.
    const rows = await this.db
      .delete(passwordResets)
      .where(lte(passwordResets.expiresAt, now))
      .returning({ id: passwordResets.id });
    return rows.length;
  }
}
