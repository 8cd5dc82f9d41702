/**
 * The `mfa` plugin. This release ships its tables and migration group; its services and routes come in a later
 * release, built on the plugin kit.
 * @module
 */
import { builtInMigrationGroup, type MigrationGroup } from "../../plugin/index.js";

/** The `mfa` migration group: pass it to `migrate(db, [mfaMigrations])` (or the CLI's `--plugins mfa`). */
export const mfaMigrations: MigrationGroup = builtInMigrationGroup("mfa");
