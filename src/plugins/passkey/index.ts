/**
 * The `passkey` plugin. This release ships its tables and migration group; its services and routes come in a later
 * release, built on the plugin kit.
 * @module
 */
import { builtInMigrationGroup, type MigrationGroup } from "../../plugin/index.js";

/** The `passkey` migration group: pass it to `migrate(db, [passkeyMigrations])` (or the CLI's `--plugins passkey`). */
export const passkeyMigrations: MigrationGroup = builtInMigrationGroup("passkey");
