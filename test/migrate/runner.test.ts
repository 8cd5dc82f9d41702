import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtInMigrationGroup, checksumOf, loadMigrations, migrationGroupNames } from "../../src/migrate/groups.js";
import { LOCK_NAMESPACE, migrate, migrationStatus } from "../../src/migrate/runner.js";
import { createTestDatabase, isPostgres, pgbouncerSkipNote, pgliteSkipReason, type TestDatabase, viaPgBouncer } from "../support/database.js";
import { removeMigrationGroups, rewriteMigrationGroup, writeMigrationGroup } from "../support/migration-groups.js";

const allGroups = migrationGroupNames.map(builtInMigrationGroup);
const password = builtInMigrationGroup("password");
const pluginTables = [
  "authsome_password_hashes",
  "authsome_mfa_enrollments",
  "authsome_mfa_recovery_codes",
  "authsome_passkeys",
  "authsome_oauth_accounts",
];

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.drop());
afterAll(removeMigrationGroups);

async function tableNames(): Promise<string[]> {
  const rows = await t.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function recorded(): Promise<Array<{ group: string; name: string; checksum: string }>> {
  return t.query(`SELECT "group", name, checksum FROM authsome_migrations ORDER BY "group", name`);
}

async function expectRejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected the promise to reject").toBeInstanceOf(Error);
  return err as Error & { code?: string };
}

describe("migrate", () => {
  it("applies every migration of every requested group on a fresh database, core first, and records each with its checksum", async () => {
    const result = await migrate(t.db, allGroups);
    const shipped = (await Promise.all(allGroups.map(loadMigrations))).flat();
    expect(result.applied).toEqual(shipped.map(({ group, name }) => ({ group, name })));
    expect(result.applied[0]?.group).toBe("core");
    expect(result.alreadyApplied).toBe(0);
    const rows = await recorded();
    expect(rows).toHaveLength(shipped.length);
    for (const migration of shipped) {
      expect(rows).toContainEqual({ group: migration.group, name: migration.name, checksum: migration.checksum });
    }
  });

  it("applies nothing when run again, in exactly one round trip", async () => {
    await migrate(t.db, allGroups);
    t.counter.reset();
    const again = await migrate(t.db, allGroups);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBeGreaterThanOrEqual(allGroups.length);
    expect(t.counter.statements).toHaveLength(1);
    expect(t.counter.statements[0]).toMatch(/FROM "authsome_migrations"/);
  });

  it("creates no plugin table on a core-only run, and later applies only the added plugin's group", async () => {
    const core = await migrate(t.db);
    expect(core.applied.every((m) => m.group === "core")).toBe(true);
    const afterCore = await tableNames();
    expect(afterCore).toContain("authsome_users");
    for (const table of pluginTables) expect(afterCore).not.toContain(table);

    const added = await migrate(t.db, [password]);
    expect(added.applied).toEqual([{ group: "password", name: "0000_initial" }]);
    const afterPassword = await tableNames();
    expect(afterPassword.filter((name) => !afterCore.includes(name))).toEqual(["authsome_password_hashes"]);
  });

  it("rolls the whole run back when a statement fails, names group, migration and statement, and a later good run succeeds", async () => {
    const broken = await writeMigrationGroup("broken", [
      { tag: "0000_fine", sql: `CREATE TABLE "broken_fine" ("id" text PRIMARY KEY);` },
      {
        tag: "0001_typo",
        sql: `CREATE TABLE "broken_second" ("id" text PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE "broken_third" ("id" txet);`,
      },
    ]);
    const err = await expectRejection(migrate(t.db, [password, broken]));
    expect(err.code).toBe("migration_failed");
    expect(err.message).toContain('group "broken"');
    expect(err.message).toContain('migration "0001_typo"');
    expect(err.message).toContain("statement 2 of 2");
    expect(err.message).toContain('CREATE TABLE "broken_third"');
    expect(err.details).toMatchObject({ group: "broken", migration: "0001_typo", statementIndex: 1 });
    // Nothing of the run exists: not core's tables, not the plugin's, not the bookkeeping table.
    expect(await tableNames()).toEqual([]);

    await rewriteMigrationGroup(broken.folder, [
      { tag: "0000_fine", sql: `CREATE TABLE "broken_fine" ("id" text PRIMARY KEY);` },
      { tag: "0001_typo", sql: `CREATE TABLE "broken_second" ("id" text PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE "broken_third" ("id" text);` },
    ]);
    const good = await migrate(t.db, [password, broken]);
    expect(good.applied.map((m) => `${m.group}/${m.name}`)).toEqual(
      expect.arrayContaining(["core/0000_initial", "password/0000_initial", "broken/0000_fine", "broken/0001_typo"]),
    );
    expect(await tableNames()).toEqual(expect.arrayContaining(["authsome_users", "broken_fine", "broken_second", "broken_third"]));
  });

  it("refuses to run when an applied migration's SQL was edited, and status marks it changed", async () => {
    const original = [{ tag: "0000_widgets", sql: `CREATE TABLE "widgets" ("id" text PRIMARY KEY);` }];
    const group = await writeMigrationGroup("widgets", original);
    await migrate(t.db, [group]);
    await rewriteMigrationGroup(group.folder, [{ tag: "0000_widgets", sql: `CREATE TABLE "widgets" ("id" text PRIMARY KEY, "name" text);` }]);

    const err = await expectRejection(migrate(t.db, [group]));
    expect(err.code).toBe("migration_checksum_mismatch");
    expect(err.message).toContain('"0000_widgets" of group "widgets" was changed after it was applied');
    const status = await migrationStatus(t.db, [group]);
    expect(status.find((s) => s.group === "widgets")?.changed).toEqual(["0000_widgets"]);
  });

  it("treats CRLF and LF line endings as the same migration", () => {
    expect(checksumOf("CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n")).toBe(
      checksumOf("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"),
    );
  });

  it("tolerates applied rows it does not know (a newer version migrated first)", async () => {
    await migrate(t.db, allGroups);
    await t.query(`INSERT INTO authsome_migrations ("group", name, checksum) VALUES ('core', '9999_from_a_newer_release', 'abc')`);
    const again = await migrate(t.db, allGroups);
    expect(again.applied).toEqual([]);
    const status = await migrationStatus(t.db, allGroups);
    expect(status.find((s) => s.group === "core")?.unknown).toEqual(["9999_from_a_newer_release"]);
  });

  it("applies a migration merged out of order (pending by name, not by a high-water mark)", async () => {
    const first = { tag: "0000_a", sql: `CREATE TABLE "ooo_a" ("id" text PRIMARY KEY);` };
    const third = { tag: "0002_c", sql: `CREATE TABLE "ooo_c" ("id" text PRIMARY KEY);` };
    const group = await writeMigrationGroup("ooo", [first, third]);
    await migrate(t.db, [group]);
    await rewriteMigrationGroup(group.folder, [first, { tag: "0001_b", sql: `CREATE TABLE "ooo_b" ("id" text PRIMARY KEY);` }, third]);
    const result = await migrate(t.db, [group]);
    expect(result.applied).toEqual([{ group: "ooo", name: "0001_b" }]);
    expect(await tableNames()).toContain("ooo_b");
  });

  it("reports applied and pending migrations per group without changing anything", async () => {
    await migrate(t.db);
    const status = await migrationStatus(t.db, [password]);
    expect(status.map((s) => s.group)).toEqual(["core", "password"]);
    expect(status[0]?.applied.map((a) => a.name)).toEqual(["0000_initial", "0001_session_method_ceremony_env"]);
    expect(status[0]?.applied[0]?.appliedAt).toBeInstanceOf(Date);
    expect(status[1]?.pending).toEqual(["0000_initial"]);
    expect(await tableNames()).not.toContain("authsome_password_hashes");
  });

  it("rejects two different groups with the same name", async () => {
    const impostor = await writeMigrationGroup("password", [{ tag: "0000_x", sql: "SELECT 1;" }]);
    const err = await expectRejection(migrate(t.db, [password, impostor]));
    expect(err.code).toBe("migration_group_conflict");
  });
});

describe.skipIf(!isPostgres)(`migrate under concurrency (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  it("lets 8 separate pools migrate one empty database at once, applying each migration exactly once", async () => {
    const pools = Array.from({ length: 8 }, () => t.newPool(2));
    const results = await Promise.all(pools.map(({ db }) => migrate(db, allGroups)));
    const shipped = (await Promise.all(allGroups.map(loadMigrations))).flat();
    const appliedCounts = results.map((r) => r.applied.length);
    expect(appliedCounts.filter((n) => n > 0)).toEqual([shipped.length]); // one run applied everything
    expect(appliedCounts.filter((n) => n === 0)).toHaveLength(7); // the others found it done
    expect(await recorded()).toHaveLength(shipped.length);
  });

  it("gives up with migration_lock_timeout while another process holds the migration lock", async ({ skip }) => {
    // The stand-in "other process" takes a session-level advisory lock outside a transaction: through a transaction
    // pooler that lock stays on a server connection PgBouncer hands to the next client (the migrator itself may get
    // it, and then holds its own lock), and releasing the client connection does not free it. The migrator's own lock
    // is transaction-scoped; its concurrency through PgBouncer is the case above and pgbouncer.test.ts.
    skip(viaPgBouncer, `the test's lock holder keeps session-level state (pg_advisory_lock) across statements; ${pgbouncerSkipNote}`);
    const holder = t.newPool(1).pool;
    const client = await holder.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1::int4, hashtext(current_database()))", [LOCK_NAMESPACE]);
      const err = await expectRejection(migrate(t.db, [], { lockTimeoutMs: 200 }));
      expect(err.code).toBe("migration_lock_timeout");
    } finally {
      client.release(true); // destroy the connection: its session-level lock goes with it
    }
    expect((await migrate(t.db)).applied.length).toBeGreaterThan(0);
  });
});

if (!isPostgres) console.info(`[runner.test] concurrency cases skipped: ${pgliteSkipReason}`);
