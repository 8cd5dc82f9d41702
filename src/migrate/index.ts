/**
 * The runtime migrator: applies drizzle-kit's SQL migrations of the core group and any plugin groups atomically,
 * under a per-database advisory lock, recording each in `authsome_migrations`.
 *
 * @example
 * ```ts
 * import { drizzle } from "drizzle-orm/node-postgres";
 * import { migrate } from "authsome/migrate";
 * import { passwordMigrations } from "authsome/plugins/password";
 * const db = drizzle(process.env.DATABASE_URL!);
 * const { applied } = await migrate(db, [passwordMigrations]);
 * ```
 * @module
 */
export {
  builtInMigrationGroup,
  checksumOf,
  coreMigrations,
  loadMigrations,
  migrationGroupNames,
  type BuiltInGroupName,
  type Migration,
  type MigrationGroup,
} from "./groups.js";
export {
  migrate,
  migrationStatus,
  type AnyPgDatabase,
  type AppliedMigration,
  type GroupStatus,
  type MigrateOptions,
  type MigrateResult,
} from "./runner.js";
