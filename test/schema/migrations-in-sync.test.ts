// The committed migrations in drizzle/ must be what drizzle-kit generates from src/: generating again on top of
// a copy of them must find nothing to do. And each group's SQL must create only that group's own tables.
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInMigrationGroup, loadMigrations, migrationGroupNames } from "../../src/migrate/groups.js";
import { expectedCatalog } from "./expected-catalog.js";

let workDir: string;
beforeAll(async () => {
  // Relative on purpose: drizzle-kit prefixes "./" to its `out` path, so an absolute temp path breaks (and it
  // still exits 0, which is why the output is checked too).
  await mkdir(join("node_modules", ".cache"), { recursive: true });
  workDir = await mkdtemp(join("node_modules", ".cache", "authsome-drift-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

function generate(group: string, outRoot: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["drizzle-kit", "generate", "--config", "drizzle.config.ts"], {
      stdio: ["ignore", "pipe", "pipe"], // stdin closed: a prompt fails instead of hanging
      env: { ...process.env, AUTHSOME_GROUP: group, AUTHSOME_MIGRATIONS_OUT: outRoot },
      timeout: 120_000,
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe("committed migrations", () => {
  it.each(migrationGroupNames)("group %s is what drizzle-kit generates from the schema (nothing left to generate)", async (group) => {
    const copy = join(workDir, "drizzle");
    await cp(join("drizzle", group), join(copy, group), { recursive: true });
    const before = await listFiles(join(copy, group));
    const { code, output } = await generate(group, copy);
    expect(code, output).toBe(0);
    expect(await listFiles(join(copy, group)), `drizzle-kit generated new files for group "${group}": run npm run db:generate`).toEqual(before);
    expect(output).toMatch(/No schema changes/i);
  });

  it.each(migrationGroupNames)("group %s creates only its own tables", async (group) => {
    const migrations = await loadMigrations(builtInMigrationGroup(group));
    const created = migrations.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?"(\w+)"/g)].map((match) => match[1]));
    const owned = Object.entries(expectedCatalog)
      .filter(([, table]) => table.group === group)
      .map(([name]) => name);
    expect(created.sort()).toEqual(owned.sort());
  });

  it("are drizzle-kit journals for the postgresql dialect with statement breakpoints", async () => {
    for (const group of migrationGroupNames) {
      const journal = JSON.parse(await readFile(join("drizzle", group, "meta", "_journal.json"), "utf8")) as {
        dialect: string;
        entries: Array<{ tag: string; breakpoints: boolean }>;
      };
      expect(journal.dialect).toBe("postgresql");
      expect(journal.entries.length).toBeGreaterThan(0);
      for (const entry of journal.entries) expect(entry.breakpoints).toBe(true);
    }
  });
});
