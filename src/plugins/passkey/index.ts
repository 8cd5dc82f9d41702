/**
 * The `passkey` plugin. This release ships its tables and migration group; its services and routes arrive with the
 * engine.
 * @module
 */
import { builtInMigrationGroup, type MigrationGroup } from "../../migrate/groups.js";

/** The `passkey` migration group: pass it to `migrate(db, [passkeyMigrations])` (or the CLI's `--plugins passkey`). */
export const passkeyMigrations: MigrationGroup = builtInMigrationGroup("passkey");
