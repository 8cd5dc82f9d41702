import type { Stamped } from "./stamped.js";
import type { passwordResets } from "../../schema/verifications.js";
import type { TenantScope } from "./tenant.js";

export type PasswordReset = typeof passwordResets.$inferSelect;
export type NewPasswordReset = Omit<typeof passwordResets.$inferInsert, "createdAt" | "consumedAt"> & Stamped;

export interface PasswordResetsStore {
  create(input: NewPasswordReset): Promise<PasswordReset>;
  /**
   * Single use, atomically: returns the tenant's reset for exactly one caller while unconsumed and unexpired. A reset
   * of another tenant is left untouched and reported as unknown.
   */
  consume(scope: TenantScope, tokenHash: string, now: Date): Promise<PasswordReset | null>;
  /** Invalidates every open reset of a user (after a reset or password change); returns how many. */
  consumeAllForUser(userId: string, now: Date): Promise<number>;
  /** Deletes rows with `expires_at <= now` (consumed or not), in every tenant; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
