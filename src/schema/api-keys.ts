import { index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, type Metadata, timestamptz, typeIdPrimaryKey, updatedAt } from "./columns.js";
import { appIdColumn, envIdColumn } from "./tenant.js";
import { userIdColumn } from "./users.js";

/** API keys (`sk_…`): only the SHA-256 of the full key is stored; `key_prefix` is the part shown to people. */
export const apiKeys = pgTable(
  "authsome_api_keys",
  {
    id: typeIdPrimaryKey("akey"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    userId: userIdColumn(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    keyPrefix: text("key_prefix").notNull(),
    scopes: jsonb("scopes").$type<string[]>().notNull().default([]),
    expiresAt: timestamptz("expires_at"),
    lastUsedAt: timestamptz("last_used_at"),
    revokedAt: timestamptz("revoked_at"),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_api_keys_key_hash_uq").on(t.keyHash),
    uniqueIndex("authsome_api_keys_app_id_key_prefix_uq").on(t.appId, t.keyPrefix),
    index("authsome_api_keys_user_id_id_idx").on(t.userId, t.id),
    index("authsome_api_keys_env_id_idx").on(t.envId),
  ],
);
