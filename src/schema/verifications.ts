import { check, index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { createdAt, timestamptz, typeIdPrimaryKey } from "./columns.js";
import { appIdColumn, envIdColumn } from "./tenant.js";
import { userIdColumn } from "./users.js";

export const verificationTypes = ["email", "phone", "magic_link"] as const;
export type VerificationType = (typeof verificationTypes)[number];

/**
 * One verification mail or message: the link token and the short code it shows, both only as hashes. `attempts`
 * counts wrong codes; `consumed_at` makes it single-use.
 */
export const verifications = pgTable(
  "authsome_verifications",
  {
    id: typeIdPrimaryKey("avrf"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    userId: userIdColumn(),
    type: text("type").$type<VerificationType>().notNull(),
    tokenHash: text("token_hash").notNull(),
    codeHash: text("code_hash"),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: timestamptz("expires_at").notNull(),
    consumedAt: timestamptz("consumed_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("authsome_verifications_token_hash_uq").on(t.tokenHash),
    index("authsome_verifications_user_id_type_idx").on(t.userId, t.type),
    index("authsome_verifications_app_id_idx").on(t.appId),
    index("authsome_verifications_env_id_idx").on(t.envId),
    check("authsome_verifications_type_check", sql`${t.type} IN ('email', 'phone', 'magic_link')`),
  ],
);

/** Password-reset links: the token only as its hash, single-use through `consumed_at`. */
export const passwordResets = pgTable(
  "authsome_password_resets",
  {
    id: typeIdPrimaryKey("apwr"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    userId: userIdColumn(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    consumedAt: timestamptz("consumed_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("authsome_password_resets_token_hash_uq").on(t.tokenHash),
    index("authsome_password_resets_user_id_idx").on(t.userId),
    index("authsome_password_resets_app_id_idx").on(t.appId),
    index("authsome_password_resets_env_id_idx").on(t.envId),
  ],
);
