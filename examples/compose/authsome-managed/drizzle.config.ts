// drizzle-kit config of an application that lets Authsome manage its own tables.
//
// Migration order at deploy time: Authsome's `migrate()` first (it creates `authsome_users`), then the
// application's migrations, whose foreign keys point at Authsome's tables.
//
// Paths are resolved from this file so the example runs from any working directory; APP_MIGRATIONS_OUT redirects
// the output (the example's test generates into a temporary folder).
import { fileURLToPath } from "node:url";
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  // Only the application's files. They import Authsome's tables but never export them (see schema.ts).
  schema: fileURLToPath(new URL("./schema.ts", import.meta.url)),
  out: process.env.APP_MIGRATIONS_OUT ?? fileURLToPath(new URL("./drizzle", import.meta.url)),
  // Keeps `drizzle-kit push` from proposing to drop Authsome's tables (they exist in the database but not in this
  // schema) and `pull` from introspecting them. It has no effect on `drizzle-kit generate`, which reads only the
  // schema files, so it is no substitute for not re-exporting Authsome's tables.
  tablesFilter: ["!authsome_*"],
  strict: true,
});
