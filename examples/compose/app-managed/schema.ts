/**
 * An application's own Drizzle schema in the application-managed mode: the application re-exports Authsome's tables,
 * so its own drizzle-kit generates one migration history that creates (and, after an Authsome upgrade, alters)
 * Authsome's tables alongside the application's. Authsome must then be told not to migrate, with
 * `migrations: false` in its config; otherwise its migrator would try to create the same tables a second time.
 *
 * After upgrading Authsome, run `drizzle-kit generate` again and review the diff: Authsome's schema changes reach the
 * database only through the application's migrations in this mode.
 * @module
 */
import { users } from "authsome/schema";
import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

// `export *` on purpose: a table added by a later Authsome version is picked up without editing this file. Listing
// tables by name would silently leave a new one out of the application's migrations.
export * from "authsome/schema";
// One line per plugin in use; a plugin's tables exist only if its schema is exported here.
export * from "authsome/plugins/password/schema";

export const posts = pgTable("posts", {
  id: text("id").primaryKey(),
  authorId: text("author_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
