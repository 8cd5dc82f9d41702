/**
 * Tables of the `mfa` plugin (migration group `mfa`). Core tables are imported for foreign keys only.
 * @module
 */
import { relations, sql } from "drizzle-orm";
import { bigint, boolean, check, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestamptz, typeIdPrimaryKey, updatedAt } from "../../schema/columns.js";
import { apps } from "../../schema/apps.js";
import { userIdColumn, users } from "../../schema/users.js";

export const mfaMethods = ["totp"] as const;
export type MfaMethod = (typeof mfaMethods)[number];

/**
 * A second factor of a user. The TOTP seed is sealed (AES-256-GCM, bound to this row); `last_used_step` is the
 * newest accepted time step, so a code cannot be replayed within its window.
 */
export const mfaEnrollments = pgTable(
  "authsome_mfa_enrollments",
  {
    id: typeIdPrimaryKey("amfa"),
    userId: userIdColumn(),
    method: text("method").$type<MfaMethod>().notNull(),
    secretSealed: text("secret_sealed").notNull(),
    verifiedAt: timestamptz("verified_at"),
    lastUsedStep: bigint("last_used_step", { mode: "number" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_mfa_enrollments_user_id_method_uq").on(t.userId, t.method),
    check("authsome_mfa_enrollments_method_check", sql`${t.method} IN ('totp')`),
  ],
);

/**
 * One-time recovery codes, stored only as keyed hashes (HMAC-SHA-256 under a key derived from the configured secret,
 * `v<keyId>.<hex>`): a dump of the table alone cannot brute-force them.
 */
export const mfaRecoveryCodes = pgTable(
  "authsome_mfa_recovery_codes",
  {
    id: typeIdPrimaryKey("arec"),
    userId: userIdColumn(),
    codeHash: text("code_hash").notNull(),
    usedAt: timestamptz("used_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("authsome_mfa_recovery_codes_user_id_code_hash_uq").on(t.userId, t.codeHash)],
);

export const mfaEnrollmentsRelations = relations(mfaEnrollments, ({ one }) => ({
  user: one(users, { fields: [mfaEnrollments.userId], references: [users.id] }),
}));

export const mfaRecoveryCodesRelations = relations(mfaRecoveryCodes, ({ one }) => ({
  user: one(users, { fields: [mfaRecoveryCodes.userId], references: [users.id] }),
}));

/**
 * An app's own MFA policy, over the plugin's `required` option: `required` true makes every user of the app enrol a
 * second factor before any session; false exempts the app. No row: the plugin's option holds.
 */
export const mfaAppPolicies = pgTable("authsome_mfa_app_policies", {
  appId: text("app_id")
    .primaryKey()
    .references(() => apps.id, { onDelete: "cascade" }),
  required: boolean("required").notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const mfaAppPoliciesRelations = relations(mfaAppPolicies, ({ one }) => ({
  app: one(apps, { fields: [mfaAppPolicies.appId], references: [apps.id] }),
}));
