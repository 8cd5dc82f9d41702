/**
 * The `password` plugin. This release ships its tables and migration group; its services and routes arrive with the
 * engine.
 * @module
 */
import { builtInMigrationGroup, type MigrationGroup } from "../../migrate/groups.js";

/** The `password` migration group: pass it to `migrate(db, [passwordMigrations])` (or the CLI's `--plugins password`). */
export const passwordMigrations: MigrationGroup = builtInMigrationGroup("password");
