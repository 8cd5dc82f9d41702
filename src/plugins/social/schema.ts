/**
 * Tables of the `social` plugin (migration group `social`). Core tables are imported for foreign keys only.
 * @module
 */
import { relations } from "drizzle-orm";
import { index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, type Metadata, timestamptz, typeIdPrimaryKey, updatedAt } from "../../schema/columns.js";
import { appIdColumn, envIdColumn } from "../../schema/tenant.js";
import { userIdColumn, users } from "../../schema/users.js";

/**
 * Accounts at OAuth / OpenID Connect providers linked to users: one provider account links to at most one user per
 * app environment, and a user links at most one account per provider. Provider tokens are sealed (AES-256-GCM, bound
 * to the row), never stored in the clear.
 */
export const oauthAccounts = pgTable(
  "authsome_oauth_accounts",
  {
    id: typeIdPrimaryKey("aoau"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    userId: userIdColumn(),
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    email: text("email").notNull().default(""),
    accessTokenSealed: text("access_token_sealed"),
    refreshTokenSealed: text("refresh_token_sealed"),
    tokenExpiresAt: timestamptz("token_expires_at"),
    scope: text("scope").notNull().default(""),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_oauth_accounts_provider_account_uq").on(t.appId, t.envId, t.provider, t.providerAccountId),
    uniqueIndex("authsome_oauth_accounts_user_provider_uq").on(t.userId, t.provider),
    index("authsome_oauth_accounts_env_id_idx").on(t.envId),
  ],
);

export const oauthAccountsRelations = relations(oauthAccounts, ({ one }) => ({
  user: one(users, { fields: [oauthAccounts.userId], references: [users.id] }),
}));
