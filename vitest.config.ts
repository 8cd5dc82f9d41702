import pg from "pg";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// `npm test` runs every file on PGlite, and also on PostgreSQL when TEST_DATABASE_URL is set. With
// REQUIRE_POSTGRES=1 (CI) an unset or unreachable server fails the run instead of skipping the PostgreSQL project.
async function postgresProject(): Promise<TestProjectInlineConfiguration | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  const required = process.env.REQUIRE_POSTGRES === "1";
  if (!url) {
    if (required) throw new Error("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
    return undefined;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    const reason = `PostgreSQL at TEST_DATABASE_URL is unreachable (${(err as Error).message})`;
    if (required) throw new Error(`${reason}; REQUIRE_POSTGRES=1 makes this a failure`);
    console.warn(`${reason}; skipping the PostgreSQL test project`);
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
  return { extends: true, test: { name: "postgres", env: { AUTHSOME_TEST_DRIVER: "postgres" } } };
}

const pglite: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: "pglite",
    env: { AUTHSOME_TEST_DRIVER: "pglite" },
    globalSetup: ["test/support/pglite-template.ts"],
  },
};
const postgres = await postgresProject();

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: postgres ? [pglite, postgres] : [pglite],
  },
});
