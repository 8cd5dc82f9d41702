/**
 * The `social` plugin. This release ships its tables and migration group; its services and routes come in a later
 * release, built on the plugin kit.
 * @module
 */
import { builtInMigrationGroup, type MigrationGroup } from "../../plugin/index.js";

/** The `social` migration group: pass it to `migrate(db, [socialMigrations])` (or the CLI's `--plugins social`). */
export const socialMigrations: MigrationGroup = builtInMigrationGroup("social");
