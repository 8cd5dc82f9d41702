// Temporary migration groups in drizzle-kit's folder format (journal + SQL files), for migrator tests.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MigrationGroup } from "../../src/migrate/groups.js";

export interface MigrationFile {
  tag: string;
  sql: string;
}

const folders: string[] = [];

/** Writes `migrations` (in journal order) as a drizzle-kit output folder and returns its group descriptor. */
export async function writeMigrationGroup(name: string, migrations: MigrationFile[]): Promise<MigrationGroup> {
  const folder = await mkdtemp(join(tmpdir(), `authsome-group-${name}-`));
  folders.push(folder);
  await rewriteMigrationGroup(folder, migrations);
  return { name, folder: pathToFileURL(`${folder}/`) };
}

/** Replaces the contents of a group folder (to simulate edited or newly merged migrations). */
export async function rewriteMigrationGroup(folder: string | URL, migrations: MigrationFile[]): Promise<void> {
  const dir = typeof folder === "string" ? folder : folder.pathname;
  await mkdir(join(dir, "meta"), { recursive: true });
  const entries = migrations.map(({ tag }, idx) => ({ idx, version: "7", when: 1_700_000_000_000 + idx, tag, breakpoints: true }));
  await writeFile(join(dir, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  await Promise.all(migrations.map(({ tag, sql }) => writeFile(join(dir, `${tag}.sql`), sql)));
}

export async function removeMigrationGroups(): Promise<void> {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
}
