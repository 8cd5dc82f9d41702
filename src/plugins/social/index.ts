/**
 * The `social` plugin. This release ships its tables and migration group; its services and routes arrive with the
 * engine.
 * @module
 */
import { builtInMigrationGroup, type MigrationGroup } from "../../migrate/groups.js";

/** The `social` migration group: pass it to `migrate(db, [socialMigrations])` (or the CLI's `--plugins social`). */
export const socialMigrations: MigrationGroup = builtInMigrationGroup("social");
