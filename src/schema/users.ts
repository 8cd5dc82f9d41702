import { sql } from "drizzle-orm";
import { boolean, index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, type Metadata, timestamptz, typeIdPrimaryKey, updatedAt } from "./columns.js";
import { appIdColumn, envIdColumn } from "./tenant.js";

/**
 * End users, unique by email (and by username when set) per app and environment among live rows.
 * Soft-deleted: a row with `deleted_at` is invisible to every lookup and frees its email and username.
 * Password material lives in the `password` plugin's table, never here.
 */
export const users = pgTable(
  "authsome_users",
  {
    id: typeIdPrimaryKey("ausr"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    /** Stored trimmed and lower-cased (normalised at the store boundary). */
    email: text("email").notNull(),
    emailVerified: boolean("email_verified").notNull().default(false),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    image: text("image").notNull().default(""),
    username: text("username").notNull().default(""),
    displayUsername: text("display_username").notNull().default(""),
    phone: text("phone").notNull().default(""),
    phoneVerified: boolean("phone_verified").notNull().default(false),
    banned: boolean("banned").notNull().default(false),
    banReason: text("ban_reason").notNull().default(""),
    /** NULL while `banned` means a permanent ban. */
    banExpires: timestamptz("ban_expires"),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamptz("deleted_at"),
  },
  (t) => [
    uniqueIndex("authsome_users_email_live_uq")
      .on(t.appId, t.envId, t.email)
      .where(sql`${t.deletedAt} IS NULL`),
    uniqueIndex("authsome_users_username_live_uq")
      .on(t.appId, t.envId, t.username)
      .where(sql`${t.deletedAt} IS NULL AND ${t.username} <> ''`),
    // Keyset pagination (`ORDER BY id DESC` within an app and environment) and the app_id foreign key.
    index("authsome_users_app_id_env_id_id_idx").on(t.appId, t.envId, t.id),
    index("authsome_users_env_id_idx").on(t.envId),
  ],
);

/** `user_id` of a row owned by a user: deleting the user deletes the row. */
export function userIdColumn() {
  return text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });
}
