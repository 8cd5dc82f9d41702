/**
 * The `mfa` plugin. This release ships its tables and migration group; its services and routes arrive with the
 * engine.
 * @module
 */
import { builtInMigrationGroup, type MigrationGroup } from "../../migrate/groups.js";

/** The `mfa` migration group: pass it to `migrate(db, [mfaMigrations])` (or the CLI's `--plugins mfa`). */
export const mfaMigrations: MigrationGroup = builtInMigrationGroup("mfa");
