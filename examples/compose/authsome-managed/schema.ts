/**
 * An application's own Drizzle schema in the default, Authsome-managed mode: Authsome creates and upgrades its
 * `authsome_*` tables with its shipped migrations (`migrate()`), and the application's drizzle-kit only ever sees
 * the application's tables.
 *
 * `users` is imported, not re-exported. drizzle-kit builds its snapshot from the *exports* of the files named in
 * `schema`, so an exported Authsome table would land in the application's migrations as a second `CREATE TABLE
 * "authsome_users"`, which fails against a database Authsome has already migrated, and every later Authsome upgrade
 * would show up as a diff in the application's history. An imported table is still enough for the foreign key: the
 * generated SQL only names it (`REFERENCES "public"."authsome_users"("id")`).
 *
 * Import Authsome tables anywhere else you like (queries, joins): only the files drizzle-kit reads must not export them.
 * @module
 */
import { users } from "authsome/schema";
import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const posts = pgTable("posts", {
  id: text("id").primaryKey(),
  // Authsome's user ids are text TypeIDs (`ausr_…`), so the column is text too.
  authorId: text("author_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
