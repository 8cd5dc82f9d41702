import { index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestamptz, typeIdPrimaryKey, updatedAt } from "./columns.js";
import { devices } from "./devices.js";
import { organizations } from "./organizations.js";
import { appIdColumn, envIdColumn } from "./tenant.js";
import { userIdColumn, users } from "./users.js";

/**
 * Signed-in sessions. Access and refresh tokens are stored only as SHA-256 hex and looked up by hash; the session
 * check is one lookup on `token_hash` joined to the user. All rotations of one sign-in share a `family_id`.
 */
export const sessions = pgTable(
  "authsome_sessions",
  {
    id: typeIdPrimaryKey("ases"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    userId: userIdColumn(),
    /** The active organization (`switch-org`); NULL = none. */
    orgId: text("org_id").references(() => organizations.id, { onDelete: "set null" }),
    tokenHash: text("token_hash").notNull(),
    refreshTokenHash: text("refresh_token_hash").notNull(),
    familyId: text("family_id").notNull(),
    ipAddress: text("ip_address").notNull().default(""),
    userAgent: text("user_agent").notNull().default(""),
    deviceId: text("device_id").references(() => devices.id, { onDelete: "set null" }),
    /** The admin acting as this user, when the session is an impersonation. */
    impersonatedBy: text("impersonated_by").references(() => users.id, { onDelete: "set null" }),
    /** How the session was signed in: `password`, `social:github`, `magic_link`, `passkey`, …; '' = not recorded. */
    method: text("method").notNull().default(""),
    expiresAt: timestamptz("expires_at").notNull(),
    refreshExpiresAt: timestamptz("refresh_expires_at").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_sessions_token_hash_uq").on(t.tokenHash),
    uniqueIndex("authsome_sessions_refresh_token_hash_uq").on(t.refreshTokenHash),
    index("authsome_sessions_user_id_id_idx").on(t.userId, t.id),
    index("authsome_sessions_family_id_idx").on(t.familyId),
    index("authsome_sessions_refresh_expires_at_idx").on(t.refreshExpiresAt),
    index("authsome_sessions_app_id_idx").on(t.appId),
    index("authsome_sessions_env_id_idx").on(t.envId),
    index("authsome_sessions_org_id_idx").on(t.orgId),
    index("authsome_sessions_device_id_idx").on(t.deviceId),
    index("authsome_sessions_impersonated_by_idx").on(t.impersonatedBy),
  ],
);

export const refreshRevocationReasons = ["rotated", "replay_detected", "logout", "family_revocation", "evicted"] as const;
export type RefreshRevocationReason = (typeof refreshRevocationReasons)[number];

/**
 * Hashes of refresh tokens that were rotated out or revoked, kept until their family's refresh expiry so that a
 * replayed token is recognised and its family revoked.
 */
export const revokedRefreshTokens = pgTable(
  "authsome_revoked_refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    appId: appIdColumn(),
    familyId: text("family_id").notNull(),
    reason: text("reason").$type<RefreshRevocationReason | "">().notNull().default(""),
    revokedAt: timestamptz("revoked_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (t) => [
    index("authsome_revoked_refresh_tokens_family_id_idx").on(t.familyId),
    index("authsome_revoked_refresh_tokens_expires_at_idx").on(t.expiresAt),
    index("authsome_revoked_refresh_tokens_app_id_idx").on(t.appId),
  ],
);
