/**
 * Tables of the `password` plugin (migration group `password`). Core tables are imported for foreign keys only and
 * never re-exported, so drizzle-kit generates just this group's tables.
 * @module
 */
import { relations, sql } from "drizzle-orm";
import { index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestamptz, typeIdPrimaryKey } from "../../schema/columns.js";
import { userIdColumn, users } from "../../schema/users.js";

/**
 * Password hashes as PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), one current row per user
 * (`replaced_at` IS NULL); replaced rows stay as history for reuse checks.
 */
export const passwordHashes = pgTable(
  "authsome_password_hashes",
  {
    id: typeIdPrimaryKey("apwh"),
    userId: userIdColumn(),
    hash: text("hash").notNull(),
    createdAt: createdAt(),
    replacedAt: timestamptz("replaced_at"),
  },
  (t) => [
    uniqueIndex("authsome_password_hashes_current_uq")
      .on(t.userId)
      .where(sql`${t.replacedAt} IS NULL`),
    index("authsome_password_hashes_user_id_created_at_idx").on(t.userId, t.createdAt),
  ],
);

export const passwordHashesRelations = relations(passwordHashes, ({ one }) => ({
  user: one(users, { fields: [passwordHashes.userId], references: [users.id] }),
}));
