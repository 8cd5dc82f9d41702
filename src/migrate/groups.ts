import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { AuthsomeError } from "../errors.js";

/**
 * A migration group: drizzle-kit's output folder for one owner (core or a plugin). Authsome's own groups point into
 * the `drizzle/` folder shipped with the package; a third-party plugin points at its own.
 */
export interface MigrationGroup {
  /** Unique group name, recorded in `authsome_migrations.group`. */
  readonly name: string;
  /** The folder drizzle-kit wrote (holding `meta/_journal.json` and the `.sql` files). */
  readonly folder: URL;
}

export interface Migration {
  readonly group: string;
  /** drizzle-kit's tag, e.g. `0000_initial`: the identity of the migration within its group. */
  readonly name: string;
  readonly sql: string;
  /** SHA-256 (hex) of the SQL with line endings normalised to LF. */
  readonly checksum: string;
  /** The SQL split at drizzle-kit's `--> statement-breakpoint` markers. */
  readonly statements: readonly string[];
}

/** The groups Authsome ships, core first. */
export const migrationGroupNames = ["core", "password", "mfa", "passkey", "social"] as const;
export type BuiltInGroupName = (typeof migrationGroupNames)[number];

// dist/migrate/groups.js and src/migrate/groups.ts both sit two levels below the package root.
const shippedMigrations = new URL("../../drizzle/", import.meta.url);

/** The descriptor of one of Authsome's shipped groups. */
export function builtInMigrationGroup(name: BuiltInGroupName): MigrationGroup {
  return { name, folder: new URL(`${name}/`, shippedMigrations) };
}

/** The core group; every migrator run applies it first. */
export const coreMigrations: MigrationGroup = builtInMigrationGroup("core");

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

export function checksumOf(sqlText: string): string {
  return createHash("sha256").update(sqlText.replace(/\r\n?/g, "\n")).digest("hex");
}

export function splitStatements(sqlText: string): string[] {
  return sqlText
    .split("--> statement-breakpoint")
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** Reads a group's journal and SQL files, in journal order. */
export async function loadMigrations(group: MigrationGroup): Promise<Migration[]> {
  const folder = group.folder.href.endsWith("/") ? group.folder : new URL(`${group.folder.href}/`);
  let journal: Journal;
  try {
    journal = JSON.parse(await readFile(new URL("meta/_journal.json", folder), "utf8")) as Journal;
  } catch (cause) {
    throw new AuthsomeError(
      "migration_journal_unreadable",
      `Cannot read the migration journal of group "${group.name}" in ${folder.pathname}`,
      { cause, details: { group: group.name } },
    );
  }
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      const sqlText = await readFile(new URL(`${tag}.sql`, folder), "utf8");
      return {
        group: group.name,
        name: tag,
        sql: sqlText,
        checksum: checksumOf(sqlText),
        statements: splitStatements(sqlText),
      };
    }),
  );
}
