import type { Stamped } from "./stamped.js";
import type { verifications } from "../../schema/verifications.js";
import type { TenantScope } from "./tenant.js";
import type { User } from "./users.js";

export type Verification = typeof verifications.$inferSelect;
export type NewVerification = Omit<typeof verifications.$inferInsert, "createdAt" | "attempts" | "consumedAt"> & Stamped;

/** Verification mails and messages. "Active" = unconsumed and unexpired at the `now` passed. */
export interface VerificationsStore {
  create(input: NewVerification): Promise<Verification>;
  /** The tenant's active verification with this link-token hash. */
  findActiveByTokenHash(scope: TenantScope, tokenHash: string, now: Date): Promise<Verification | null>;
  /** The newest active verification of this type for the user. */
  findActiveByUser(userId: string, type: Verification["type"], now: Date): Promise<Verification | null>;
  /**
   * One statement: the tenant's live user of this address (matched normalised) and its newest active verification of
   * this type (null when none). Null when no live user has the address.
   */
  findActiveByEmail(scope: TenantScope, email: string, type: Verification["type"], now: Date): Promise<{ user: User; verification: Verification | null } | null>;
  /**
   * Counts one code attempt atomically, before the code is compared, while fewer than `maxAttempts` were made and
   * the verification is active. Returns the new count, or null when no attempt is left (or it is consumed, expired,
   * gone or another tenant's) — so concurrent guesses can never compare more than `maxAttempts` codes.
   */
  reserveAttempt(scope: TenantScope, id: string, maxAttempts: number, now: Date): Promise<number | null>;
  /** Marks it consumed if it is the tenant's and still active; true for exactly one caller. */
  consume(scope: TenantScope, id: string, now: Date): Promise<boolean>;
  /** Consumes every active verification of this type for the user (a new one supersedes them); returns how many. */
  consumeAllForUser(userId: string, type: Verification["type"], now: Date): Promise<number>;
  /** Deletes rows with `expires_at <= now` (consumed or not), in every tenant; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
