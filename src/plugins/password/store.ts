import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { lockoutKeyPrefixes } from "../../engine/services/protection.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { rateLimits } from "../../schema/rate-limits.js";
import { users } from "../../schema/users.js";
import type { User } from "../../store/contract.js";
import { passwordHashes } from "./schema.js";

/** A user found for sign-in, with everything the decision needs from one statement. */
export interface SignInCandidate {
  user: User;
  /** The current PHC string; null for an account without a password (e.g. social only). */
  hash: string | null;
  /** Set while the account is locked out. */
  lockedUntil: Date | null;
  /** Failed sign-ins in the current window. */
  failures: number;
}

const lock = alias(rateLimits, "lockout_lock");
const failures = alias(rateLimits, "lockout_failures");

/** Queries on the plugin's own table; `db` may be a transaction. */
export function passwordStore(db: AnyPgDatabase) {
  return {
    /** The live user by email or username with its current hash and lockout state, in one statement. */
    async findForSignIn(by: { appId: string; envId: string; email?: string; username?: string }, now: Date): Promise<SignInCandidate | null> {
      const identity = by.email !== undefined ? eq(users.email, by.email) : eq(users.username, by.username ?? "");
      const [row] = await db
        .select({ user: users, hash: passwordHashes.hash, lockedUntil: lock.expiresAt, failures: failures.hits })
        .from(users)
        .leftJoin(passwordHashes, and(eq(passwordHashes.userId, users.id), isNull(passwordHashes.replacedAt)))
        .leftJoin(lock, and(eq(lock.key, sql`${lockoutKeyPrefixes.lock} || ${users.id}`), gt(lock.expiresAt, now)))
        .leftJoin(failures, and(eq(failures.key, sql`${lockoutKeyPrefixes.failures} || ${users.id}`), gt(failures.expiresAt, now)))
        .where(and(eq(users.appId, by.appId), eq(users.envId, by.envId), identity, isNull(users.deletedAt)))
        .limit(1);
      if (!row) return null;
      return { user: row.user, hash: row.hash, lockedUntil: row.lockedUntil, failures: row.failures ?? 0 };
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
}

