import { defineConfig } from "drizzle-kit";

// One migration group per owner: `core` from src/schema/, one per plugin from src/plugins/<group>/schema.ts.
// drizzle-kit sees one group per run, chosen by AUTHSOME_GROUP; `npm run db:generate` runs it for every group.
// AUTHSOME_MIGRATIONS_OUT redirects the output (the drift test generates into a temporary copy).
const group = process.env.AUTHSOME_GROUP ?? "core";
const outRoot = process.env.AUTHSOME_MIGRATIONS_OUT ?? "./drizzle";

export default defineConfig({
  dialect: "postgresql",
  schema: group === "core" ? "./src/schema/index.ts" : `./src/plugins/${group}/schema.ts`,
  out: `${outRoot}/${group}`,
  strict: true,
  verbose: false,
});
