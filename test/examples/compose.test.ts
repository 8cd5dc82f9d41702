// The two supported ways of composing Authsome's tables into an application's Drizzle schema
// (examples/compose/): each example's drizzle.config.ts is run through the real `drizzle-kit generate`, and the SQL
// it writes is applied to a fresh database to prove what the README promises.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { users } from "authsome/schema";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as appManagedSchema from "../../examples/compose/app-managed/schema.js";
import * as authsomeManagedSchema from "../../examples/compose/authsome-managed/schema.js";
import { findPgError } from "../../src/migrate/driver-errors.js";
import { builtInMigrationGroup, splitStatements } from "../../src/migrate/groups.js";
import { migrate, type AnyPgDatabase } from "../../src/migrate/runner.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const generateTimeoutMs = 90_000;
// The Authsome groups the app-managed example re-exports: core (always) and the password plugin.
const appManagedGroups = [builtInMigrationGroup("password")];
// Created by Authsome's migrator for its bookkeeping; no Drizzle schema declares it.
const migratorTable = "authsome_migrations";

interface GeneratedMigration {
  sql: string;
  statements: string[];
  createdTables: string[];
}

const outDirs: string[] = [];

/** Runs `drizzle-kit generate` on an example's config into a fresh folder and returns the single migration it wrote. */
async function generate(example: "authsome-managed" | "app-managed"): Promise<GeneratedMigration> {
  const outDir = await mkdtemp(join(tmpdir(), `authsome-compose-${example}-`));
  outDirs.push(outDir);
  const config = `examples/compose/${example}/drizzle.config.ts`;
  await new Promise<void>((resolve, reject) => {
    // stdin closed: drizzle-kit prompts (renames, data loss) must fail the run, not wait for an answer.
    const child = spawn("npx", ["drizzle-kit", "generate", "--config", config], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: generateTimeoutMs,
      env: { ...process.env, APP_MIGRATIONS_OUT: outDir },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`drizzle-kit generate --config ${config} ended with ${signal ?? `exit code ${code}`}:\n${output}`));
    });
  });
  const journal = JSON.parse(await readFile(join(outDir, "meta", "_journal.json"), "utf8")) as { entries: Array<{ tag: string }> };
  expect(journal.entries, `${example}: a fresh output folder gets exactly one migration`).toHaveLength(1);
  const text = await readFile(join(outDir, `${journal.entries[0]?.tag}.sql`), "utf8");
  return {
    sql: text,
    statements: splitStatements(text),
    createdTables: [...text.matchAll(/CREATE TABLE "([^"]+)"/g)].map((m) => m[1] as string).sort(),
  };
}

async function applyStatements(db: AnyPgDatabase, statements: readonly string[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const statement of statements) await tx.execute(sql.raw(statement));
  });
}

async function publicTables(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** One line per column, index and constraint of the public schema, leaving out the tables named in `except`. */
async function catalogLines(db: TestDatabase, except: readonly string[]): Promise<string[]> {
  const columns = await db.query<{ line: string }>(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '-') AS line
     FROM information_schema.columns WHERE table_schema = 'public' AND NOT (table_name = ANY($1))`,
    [except],
  );
  const indexes = await db.query<{ line: string }>(
    `SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' AND NOT (tablename = ANY($1))`,
    [except],
  );
  const constraints = await db.query<{ line: string }>(
    `SELECT c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS line
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE n.nspname = 'public' AND NOT (c.conrelid::regclass::text = ANY($1))`,
    [except],
  );
  return [...columns, ...indexes, ...constraints].map((r) => r.line).sort();
}

const appId = "app_compose";
const envId = "env_compose";
const userId = "usr_alice";

/** The rows Authsome's engine would write on sign-up: an app, its environment and a user. */
async function insertUser(db: TestDatabase): Promise<void> {
  await db.query(`INSERT INTO authsome_apps (id, name, slug) VALUES ($1, 'Compose', 'compose')`, [appId]);
  await db.query(`INSERT INTO authsome_environments (id, app_id, name, slug, type) VALUES ($1, $2, 'Dev', 'dev', 'development')`, [
    envId,
    appId,
  ]);
  await db.query(`INSERT INTO authsome_users (id, app_id, env_id, email) VALUES ($1, $2, $3, 'alice@example.com')`, [
    userId,
    appId,
    envId,
  ]);
}

let authsomeManaged: GeneratedMigration;
let appManaged: GeneratedMigration;

beforeAll(async () => {
  [authsomeManaged, appManaged] = await Promise.all([generate("authsome-managed"), generate("app-managed")]);
});
afterAll(() => Promise.all(outDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.drop());

describe("authsome-managed example: the app's drizzle-kit generates only the app's tables", () => {
  it("creates posts with a cascading foreign key to authsome_users", () => {
    expect(authsomeManaged.createdTables).toEqual(["posts"]);
    expect(authsomeManaged.sql).toMatch(
      /ALTER TABLE "posts" ADD CONSTRAINT "\w+" FOREIGN KEY \("author_id"\) REFERENCES "public"\."authsome_users"\("id"\) ON DELETE cascade/,
    );
  });

  it("creates, alters or drops no authsome_* table although the schema imports users", () => {
    expect(authsomeManaged.sql).not.toMatch(/(CREATE|ALTER|DROP) TABLE "authsome_/);
  });

  it("adds only posts to a database Authsome has migrated", async () => {
    await migrate(t.db);
    const authsomeTables = await publicTables(t);
    await applyStatements(t.db, authsomeManaged.statements);
    expect(await publicTables(t)).toEqual([...authsomeTables, "posts"].sort());
  });
});

describe("app-managed example: the app's drizzle-kit generates Authsome's tables and its own in one history", () => {
  it("creates every table Authsome's migrations create for core + password, plus posts", async () => {
    await migrate(t.db, appManagedGroups);
    const migrated = (await publicTables(t)).filter((name) => name !== migratorTable);
    expect(migrated).toContain("authsome_password_hashes");
    expect(appManaged.createdTables).toEqual([...migrated, "posts"].sort());
  });

  it("gives Authsome's tables the same columns, indexes and constraints as Authsome's own migrations", async () => {
    await applyStatements(t.db, appManaged.statements);
    const reference = await createTestDatabase();
    try {
      await migrate(reference.db, appManagedGroups);
      const authsomeCatalog = await catalogLines(reference, [migratorTable]);
      expect(authsomeCatalog.length).toBeGreaterThan(100);
      expect(await catalogLines(t, ["posts"])).toEqual(authsomeCatalog);
    } finally {
      await reference.drop();
    }
  });

  it("leaves no room for Authsome's migrator, which is why Authsome is configured with migrations: false", async () => {
    await applyStatements(t.db, appManaged.statements);
    const failure = await migrate(t.db, appManagedGroups).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(failure?.code).toBe("migration_failed");
    expect(findPgError(failure)?.code).toBe("42P07"); // duplicate_table
  });
});

type PostsTable = typeof authsomeManagedSchema.posts;

const foreignKeyCases: Array<{ mode: string; posts: PostsTable; prepare: (db: TestDatabase) => Promise<void> }> = [
  {
    mode: "authsome-managed",
    posts: authsomeManagedSchema.posts,
    // Deploy order: Authsome's migrator first, then the app's migrations that reference its tables.
    prepare: async (db) => {
      await migrate(db.db);
      await applyStatements(db.db, authsomeManaged.statements);
    },
  },
  {
    mode: "app-managed",
    posts: appManagedSchema.posts,
    // The app's migrations alone; Authsome's migrator never runs.
    prepare: (db) => applyStatements(db.db, appManaged.statements),
  },
];

for (const { mode, posts, prepare } of foreignKeyCases) {
  describe(`${mode} example: posts.author_id references authsome_users.id`, () => {
    beforeEach(async () => {
      await prepare(t);
      await insertUser(t);
    });

    it("joins a post to its Authsome author with the typed query builder", async () => {
      await t.db.insert(posts).values({ id: "post_1", authorId: userId, title: "Hello" });
      const rows = await t.db
        .select({ title: posts.title, email: users.email })
        .from(posts)
        .innerJoin(users, eq(posts.authorId, users.id));
      expect(rows).toEqual([{ title: "Hello", email: "alice@example.com" }]);
    });

    it("deletes a user's posts when the user is deleted", async () => {
      await t.db.insert(posts).values([
        { id: "post_1", authorId: userId, title: "First" },
        { id: "post_2", authorId: userId, title: "Second" },
      ]);
      expect(await t.query(`SELECT id FROM posts`)).toHaveLength(2);
      await t.query(`DELETE FROM authsome_users WHERE id = $1`, [userId]);
      expect(await t.query(`SELECT id FROM posts`)).toEqual([]);
    });

    it("rejects a post whose author is not an Authsome user", async () => {
      const failure = await t.db
        .insert(posts)
        .values({ id: "post_1", authorId: "usr_nobody", title: "Orphan" })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(findPgError(failure)?.code).toBe("23503"); // foreign_key_violation
      expect(await t.query(`SELECT id FROM posts`)).toEqual([]);
    });
  });
}
