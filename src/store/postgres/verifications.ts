import { and, desc, eq, gt, isNull, lt, lte, sql } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { users } from "../../schema/users.js";
import { verifications } from "../../schema/verifications.js";
import type { NewVerification, TenantScope, User, Verification, VerificationsStore } from "../contract/index.js";
import { normalizeEmail } from "./users.js";
import { inScope } from "./scope.js";

/** Unconsumed and unexpired at `now` (the caller's clock, never the database's). */
function isOpen(now: Date) {
  return and(isNull(verifications.consumedAt), gt(verifications.expiresAt, now));
}

/** The tenant's verification with this id. */
function tenantVerification(scope: TenantScope, id: string) {
  return and(eq(verifications.id, id), inScope(verifications, scope));
}

export class PgVerificationsStore implements VerificationsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewVerification): Promise<Verification> {
    const [row] = await this.db.insert(verifications).values(input).returning();
    return row as Verification;
  }

  async findActiveByTokenHash(scope: TenantScope, tokenHash: string, now: Date): Promise<Verification | null> {
    const [row] = await this.db
      .select()
      .from(verifications)
      .where(
        and(
          eq(verifications.tokenHash, tokenHash),
          inScope(verifications, scope),
          isOpen(now),
        ),
      )
      .limit(1);
    return row ?? null;
  }

  async findActiveByUser(userId: string, type: Verification["type"], now: Date): Promise<Verification | null> {
    const [row] = await this.db
      .select()
      .from(verifications)
      .where(and(eq(verifications.userId, userId), eq(verifications.type, type), isOpen(now)))
      .orderBy(desc(verifications.id)) // TypeIDs sort by creation time
      .limit(1);
    return row ?? null;
  }

  async findActiveByEmail(
    scope: TenantScope,
    email: string,
    type: Verification["type"],
    now: Date,
  ): Promise<{ user: User; verification: Verification | null } | null> {
    const [row] = await this.db
      .select({ user: users, verification: verifications })
      .from(users)
      .leftJoin(verifications, and(eq(verifications.userId, users.id), eq(verifications.type, type), isOpen(now)))
      .where(and(inScope(users, scope), eq(users.email, normalizeEmail(email)), isNull(users.deletedAt)))
      .orderBy(desc(verifications.id))
      .limit(1);
    return row ? { user: row.user, verification: row.verification } : null;
  }

  async reserveAttempt(scope: TenantScope, id: string, maxAttempts: number, now: Date): Promise<number | null> {
    // One conditional statement: concurrent guesses queue on the row lock and each re-checks the count, so at most
    // `maxAttempts` of them ever get to compare a code.
    const [row] = await this.db
      .update(verifications)
      .set({ attempts: sql`${verifications.attempts} + 1` })
      .where(
        and(
          tenantVerification(scope, id),
          lt(verifications.attempts, maxAttempts),
          isNull(verifications.consumedAt),
          gt(verifications.expiresAt, now),
        ),
      )
      .returning({ attempts: verifications.attempts });
    return row?.attempts ?? null;
  }

  async consume(scope: TenantScope, id: string, now: Date): Promise<boolean> {
    // The WHERE clause is the single-use guarantee: a concurrent second UPDATE re-checks consumed_at after the
    // first commits and matches nothing.
    const rows = await this.db
      .update(verifications)
      .set({ consumedAt: now })
      .where(and(tenantVerification(scope, id), isOpen(now)))
      .returning({ id: verifications.id });
    return rows.length > 0;
  }

  async consumeAllForUser(userId: string, type: Verification["type"], now: Date): Promise<number> {
    const rows = await this.db
      .update(verifications)
      .set({ consumedAt: now })
      .where(and(eq(verifications.userId, userId), eq(verifications.type, type), isOpen(now)))
      .returning({ id: verifications.id });
    return rows.length;
  }

  async purgeExpired(now: Date): Promise<number> {
    // `returning` rather than rowCount: the two drivers report affected rows differently.
    const rows = await this.db
      .delete(verifications)
      .where(lte(verifications.expiresAt, now))
      .returning({ id: verifications.id });
    return rows.length;
  }
}
