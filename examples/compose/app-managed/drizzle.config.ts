// drizzle-kit config of an application that manages Authsome's tables in its own migration history. Authsome is
// configured with `migrations: false`, so the application's migrations are the only ones that touch the database.
//
// Paths are resolved from this file so the example runs from any working directory; APP_MIGRATIONS_OUT redirects
// the output (the example's test generates into a temporary folder).
import { fileURLToPath } from "node:url";
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  // The application's schema, which re-exports Authsome's core and plugin tables.
  schema: fileURLToPath(new URL("./schema.ts", import.meta.url)),
  out: process.env.APP_MIGRATIONS_OUT ?? fileURLToPath(new URL("./drizzle", import.meta.url)),
  // No tablesFilter: the authsome_* tables belong to this schema, so push/pull should see them.
  strict: true,
});
