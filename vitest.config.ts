import pg from "pg";
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { pgbouncerBinary, pgbouncerSkipReason } from "./test/support/pgbouncer.js";

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

// The PostgreSQL suites that talk to the database the way production does, again through one PgBouncer in transaction
// mode (test/support/pgbouncer-setup.ts): the store, the migrator, the HTTP flows and the race tests. It needs the
// PostgreSQL project's server and a pgbouncer binary; without the binary it is left out with a warning, and with
// REQUIRE_PGBOUNCER=1 (CI) that is a failure instead.
function pgbouncerProject(postgresReachable: boolean): TestProjectInlineConfiguration | undefined {
  const required = process.env.REQUIRE_PGBOUNCER === "1";
  if (!postgresReachable) {
    if (required) throw new Error("REQUIRE_PGBOUNCER=1 but there is no reachable PostgreSQL at TEST_DATABASE_URL to put PgBouncer in front of");
    return undefined;
  }
  if (!pgbouncerBinary) {
    if (required) throw new Error(`${pgbouncerSkipReason}; REQUIRE_PGBOUNCER=1 makes this a failure`);
    console.warn(`${pgbouncerSkipReason}; skipping the pgbouncer test project`);
    return undefined;
  }
  return {
    // Not `extends: true`: the root's include would be merged into this one's (arrays concatenate).
    test: {
      name: "pgbouncer",
      include: [
        "test/store/**/*.test.ts",
        "test/migrate/**/*.test.ts",
        "test/http/**/*.test.ts",
        "test/plugins/**/flows*.test.ts",
        "test/plugins/**/*race*.test.ts",
        "test/engine/**/*race*.test.ts",
      ],
      // It starts a PgBouncer of its own with a smaller server pool, and runs in the postgres project.
      // The input-validation sweeps (bad input, hardening) send the same statements the flows do; through the pooler
      // they would only add minutes to CI.
      exclude: [...configDefaults.exclude, "test/store/postgres/pgbouncer.test.ts", "test/http/bad-input.test.ts", "test/http/hardening.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      env: { AUTHSOME_TEST_DRIVER: "postgres", AUTHSOME_TEST_POOLER: "pgbouncer" },
      globalSetup: ["test/support/pgbouncer-setup.ts"],
    },
  };
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
const pgbouncer = pgbouncerProject(postgres !== undefined);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [pglite, ...(postgres ? [postgres] : []), ...(pgbouncer ? [pgbouncer] : [])],
  },
});
