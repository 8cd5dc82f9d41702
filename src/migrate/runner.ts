import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { AuthsomeError } from "../errors.js";
import { findPgError } from "./driver-errors.js";
import { coreMigrations, loadMigrations, type Migration, type MigrationGroup } from "./groups.js";

/** Any Drizzle PostgreSQL database: node-postgres (`drizzle-orm/node-postgres`) or PGlite (`drizzle-orm/pglite`). */
// The schema generics are irrelevant to the migrator, hence `any`.
export type AnyPgDatabase = PgDatabase<PgQueryResultHKT, any, any>;

export interface MigrateOptions {
  /** How long to wait for the migration lock or a table lock before giving up (default 30 s). */
  lockTimeoutMs?: number;
}

export interface AppliedMigration {
  group: string;
  name: string;
}

export interface MigrateResult {
  /** Migrations this run applied, in order; empty when the database was already up to date. */
  applied: AppliedMigration[];
  /** Requested migrations that were applied before this run. */
  alreadyApplied: number;
}

interface AppliedRow {
  group: string;
  name: string;
  checksum: string;
  applied_at: Date | string;
}

const MIGRATIONS_TABLE = "authsome_migrations";
// First key of the two-key advisory lock: "authsome" in a 32-bit integer. The second key is derived from the
// database name, so migrations of different databases (parallel test databases) never queue behind each other.
export const LOCK_NAMESPACE = 0x61757468;

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
  "group" text NOT NULL,
  "name" text NOT NULL,
  "checksum" text NOT NULL,
  "applied_at" timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("group", "name")
)`;

/** Orders the requested groups core first, each once (by name). */
export function resolveGroups(groups: readonly MigrationGroup[]): MigrationGroup[] {
  const byName = new Map<string, MigrationGroup>([[coreMigrations.name, coreMigrations]]);
  for (const group of groups) {
    const known = byName.get(group.name);
    if (known && known.folder.href !== group.folder.href) {
      throw new AuthsomeError("migration_group_conflict", `Two different migration groups are named "${group.name}"`);
    }
    byName.set(group.name, group);
  }
  return [...byName.values()];
}

async function loadAll(groups: readonly MigrationGroup[]): Promise<Migration[]> {
  return (await Promise.all(resolveGroups(groups).map(loadMigrations))).flat();
}

/** Reads the bookkeeping rows; a database that has never been migrated has none (one round trip either way). */
async function readApplied(db: AnyPgDatabase): Promise<AppliedRow[]> {
  try {
    const result = await db.execute(sql.raw(`SELECT "group", "name", "checksum", "applied_at" FROM "${MIGRATIONS_TABLE}"`));
    // Both drivers answer `execute` with `{ rows }`; the HKT leaves the type open.
    return (result as { rows: AppliedRow[] }).rows;
  } catch (err) {
    if (findPgError(err)?.code === "42P01") return []; // undefined_table: nothing applied yet
    throw err;
  }
}

const keyOf = (group: string, name: string) => `${group}\u0000${name}`;

/** Pending migrations in order; refuses when an applied migration's SQL has changed since it was applied. */
function pendingMigrations(migrations: readonly Migration[], appliedRows: readonly AppliedRow[]): Migration[] {
  const applied = new Map(appliedRows.map((row) => [keyOf(row.group, row.name), row.checksum]));
  const pending: Migration[] = [];
  for (const migration of migrations) {
    const checksum = applied.get(keyOf(migration.group, migration.name));
    if (checksum === undefined) pending.push(migration);
    else if (checksum !== migration.checksum) {
      throw new AuthsomeError(
        "migration_checksum_mismatch",
        `Migration "${migration.name}" of group "${migration.group}" was changed after it was applied ` +
          `(recorded checksum ${checksum.slice(0, 12)}…, file ${migration.checksum.slice(0, 12)}…); ` +
          "restore the original file and add the change as a new migration",
        { details: { group: migration.group, migration: migration.name } },
      );
    }
  }
  return pending;
}

function statementFailure(migration: Migration, index: number, cause: unknown): AuthsomeError {
  const statement = migration.statements[index] ?? "";
  const pg = findPgError(cause);
  // DDL carries no bound parameters, so the server's message is safe to repeat; the statement is ours.
  const reason = pg ? `${pg.message} (SQLSTATE ${pg.code})` : cause instanceof Error ? cause.message : String(cause);
  const preview = statement.length > 300 ? `${statement.slice(0, 300)}…` : statement;
  return new AuthsomeError(
    "migration_failed",
    `Migration failed in group "${migration.group}", migration "${migration.name}", statement ${index + 1} of ` +
      `${migration.statements.length}: ${reason}\n  ${preview}\nNothing of this run was applied.`,
    {
      cause,
      details: { group: migration.group, migration: migration.name, statementIndex: index, statement },
    },
  );
}

/**
 * Applies every pending migration of the core group and the given groups, atomically.
 *
 * Up to date: one lock-free query, then return. Otherwise one transaction: `lock_timeout`, a per-database
 * `pg_advisory_xact_lock`, create `authsome_migrations` if needed, re-read the applied rows (another instance may
 * have migrated meanwhile), apply each pending migration statement by statement, record it, commit. Migrations are
 * pending by name, not by timestamp, so one merged out of order still runs. Applied rows unknown to this package
 * (a newer version migrated first) are left alone.
 *
 * @throws AuthsomeError `migration_checksum_mismatch` when an applied migration's file changed;
 *   `migration_failed` (naming group, migration and statement) when a statement fails — the whole run is rolled
 *   back; `migration_lock_timeout` when the lock is not obtained within `lockTimeoutMs`.
 */
export async function migrate(
  db: AnyPgDatabase,
  groups: readonly MigrationGroup[] = [],
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs <= 0) {
    throw new AuthsomeError("invalid_config", "lockTimeoutMs must be a positive integer");
  }
  const migrations = await loadAll(groups);
  if (pendingMigrations(migrations, await readApplied(db)).length === 0) {
    return { applied: [], alreadyApplied: migrations.length };
  }

  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL lock_timeout = ${lockTimeoutMs}`));
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}::int4, hashtext(current_database()))`);
      await tx.execute(sql.raw(createMigrationsTable));
      const pending = pendingMigrations(migrations, await readApplied(tx));
      for (const migration of pending) {
        for (let i = 0; i < migration.statements.length; i++) {
          try {
            await tx.execute(sql.raw(migration.statements[i] as string));
          } catch (err) {
            throw statementFailure(migration, i, err);
          }
        }
      }
      if (pending.length > 0) {
        const values = pending.map((m) => sql`(${m.group}, ${m.name}, ${m.checksum})`);
        await tx.execute(
          sql`INSERT INTO ${sql.identifier(MIGRATIONS_TABLE)} ("group", "name", "checksum") VALUES ${sql.join(values, sql`, `)}`,
        );
      }
      return {
        applied: pending.map(({ group, name }) => ({ group, name })),
        alreadyApplied: migrations.length - pending.length,
      };
    });
  } catch (err) {
    if (findPgError(err)?.code === "55P03") {
      throw new AuthsomeError(
        "migration_lock_timeout",
        `Timed out after ${lockTimeoutMs} ms waiting for a lock while migrating; another process holds it`,
        { cause: err },
      );
    }
    throw err;
  }
}

export interface GroupStatus {
  group: string;
  applied: Array<{ name: string; appliedAt: Date }>;
  pending: string[];
  /** Applied migrations whose file changed since (the migrator refuses to run until restored). */
  changed: string[];
  /** Applied rows this package does not ship (a newer version migrated first). */
  unknown: string[];
}

/** Applied and pending migrations per group (core first); read-only. */
export async function migrationStatus(db: AnyPgDatabase, groups: readonly MigrationGroup[] = []): Promise<GroupStatus[]> {
  const resolved = resolveGroups(groups);
  const rows = await readApplied(db);
  return Promise.all(
    resolved.map(async (group) => {
      const migrations = await loadMigrations(group);
      const known = new Set(migrations.map((m) => m.name));
      const applied = new Map(rows.filter((r) => r.group === group.name).map((r) => [r.name, r]));
      const status: GroupStatus = { group: group.name, applied: [], pending: [], changed: [], unknown: [] };
      for (const migration of migrations) {
        const row = applied.get(migration.name);
        if (!row) status.pending.push(migration.name);
        else {
          status.applied.push({ name: migration.name, appliedAt: new Date(row.applied_at) });
          if (row.checksum !== migration.checksum) status.changed.push(migration.name);
        }
      }
      status.unknown = [...applied.keys()].filter((name) => !known.has(name));
      return status;
    }),
  );
}

/** Every row of `authsome_migrations`, of any group (none before the first migration), by group then name; read-only. */
export async function appliedMigrations(db: AnyPgDatabase): Promise<Array<AppliedMigration & { appliedAt: Date }>> {
  return (await readApplied(db))
    .map((row) => ({ group: row.group, name: row.name, appliedAt: new Date(row.applied_at) }))
    .sort((a, b) => (a.group === b.group ? a.name.localeCompare(b.name) : a.group.localeCompare(b.group)));
}
