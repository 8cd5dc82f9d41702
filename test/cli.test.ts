// The `authsome migrate` command, run as real OS processes against the current driver: the embedded PGlite
// directory in the pglite project, a fresh PostgreSQL database in the postgres project.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadMigrations, builtInMigrationGroup, migrationGroupNames } from "../src/migrate/groups.js";
import { openEmbeddedDatabase } from "../src/store/embedded.js";
import { createTestDatabase, isPostgres, pgliteSkipReason, type TestDatabase } from "./support/database.js";

const root = resolve(".");
const source = join(root, "src", "bin.ts");
// tsx's loader by absolute URL: `--import tsx` would resolve from the child's cwd, a temp dir without node_modules.
const tsxLoader = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` and collects its output and exit code. */
function runNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Runs the CLI from source (tsx) in `cwd`, without DATABASE_URL from the environment unless given. */
function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const env = { ...process.env, ...options.env };
  if (!options.env?.DATABASE_URL) delete env.DATABASE_URL;
  return runNode(["--import", tsxLoader, source, ...args], { cwd: options.cwd, env });
}

let cwd: string;
let t: TestDatabase | undefined;
/** `--database-url` for the postgres project; nothing (the embedded directory) for pglite. */
let target: string[];

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "authsome-cli-"));
  if (isPostgres) {
    t = await createTestDatabase();
    target = ["--database-url", t.url as string];
  } else {
    target = [];
  }
});
afterEach(async () => {
  await t?.drop();
  t = undefined;
  await rm(cwd, { recursive: true, force: true });
});

const coreMigrations = await loadMigrations(builtInMigrationGroup("core"));
const allMigrations = (await Promise.all(migrationGroupNames.map((name) => loadMigrations(builtInMigrationGroup(name))))).flat();

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Records an applied migration directly in `authsome_migrations` of the target database. */
async function recordForeignMigration(group: string, name: string) {
  const insert = `INSERT INTO authsome_migrations ("group", name, checksum) VALUES ($1, $2, 'foreign')`;
  if (t) {
    await t.query(insert, [group, name]);
    return;
  }
  const embedded = await openEmbeddedDatabase(join(cwd, ".authsome", "data"));
  try {
    await embedded.client.query(insert, [group, name]);
  } finally {
    await embedded.close();
  }
}

function expectOneCleanErrorLine(run: Run) {
  const lines = run.stderr.trim().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe("authsome migrate", () => {
  it("applies every migration, prints each one and a summary, then reports up to date", async () => {
    const first = await runCli(["migrate", ...target, "--plugins", "all"], { cwd });
    expect(first.code, first.stderr).toBe(0);
    for (const m of allMigrations) expect(first.stdout).toContain(`applied ${m.group}/${m.name}`);
    expect(first.stdout).toMatch(new RegExp(`Applied ${allMigrations.length} migrations to .* in \\d+ ms`));

    const second = await runCli(["migrate", ...target, "--plugins", "all"], { cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/^applied /m);
    expect(second.stdout).toContain(`is up to date (${allMigrations.length} migrations applied earlier)`);
  });

  it("--status lists applied and pending migrations per group without applying anything", async () => {
    expect((await runCli(["migrate", ...target], { cwd })).code).toBe(0);
    const status = await runCli(["migrate", ...target, "--status", "--plugins", "password,mfa"], { cwd });
    expect(status.code, status.stderr).toBe(0);
    for (const m of coreMigrations) expect(status.stdout).toMatch(new RegExp(`core\\s+applied\\s+${m.name}\\s+\\d{4}-`));
    expect(status.stdout).toMatch(/password\s+pending\s+0000_initial/);
    expect(status.stdout).toMatch(/mfa\s+pending\s+0000_initial/);
    expect(status.stdout).toMatch(/mfa\s+pending\s+0001_app_policies/);
    expect(status.stdout).toContain(`${coreMigrations.length} applied, 3 pending`);
    const again = await runCli(["migrate", ...target, "--status", "--plugins", "password,mfa"], { cwd });
    expect(again.stdout).toContain(`${coreMigrations.length} applied, 3 pending`);
  });

  it("--status without --plugins lists every group: applied ones, the package's pending ones, and unknown ones", async () => {
    expect((await runCli(["migrate", ...target, "--plugins", "password,mfa"], { cwd })).code).toBe(0);
    // A group this package does not ship, as a newer version (rolling deploy) or another plugin would record it.
    await recordForeignMigration("sso", "0000_initial");
    const byGroup = (name: string) => allMigrations.filter((m) => m.group === name);
    const applied = [...byGroup("core"), ...byGroup("password"), ...byGroup("mfa")];
    const pending = [...byGroup("passkey"), ...byGroup("social")];

    const status = await runCli(["migrate", ...target, "--status"], { cwd });
    expect(status.code, status.stderr).toBe(0);
    for (const m of applied) expect(status.stdout).toMatch(new RegExp(`^  ${m.group}\\s+applied\\s+${m.name}\\s+\\d{4}-`, "m"));
    for (const m of pending) expect(status.stdout).toMatch(new RegExp(`^  ${m.group}\\s+pending\\s+${m.name}$`, "m"));
    expect(status.stdout).toMatch(/^  sso\s+applied\s+0000_initial\s+\d{4}-\S+\s+\(group not in this package\)$/m);
    expect(status.stdout).toContain(`${applied.length + 1} applied, ${pending.length} pending`);

    // --plugins names groups to show besides core; groups with applied rows are shown all the same.
    const some = await runCli(["migrate", ...target, "--status", "--plugins", "passkey"], { cwd });
    expect(some.code, some.stderr).toBe(0);
    for (const m of applied) expect(some.stdout).toMatch(new RegExp(`^  ${m.group}\\s+applied\\s+${m.name}\\s`, "m"));
    expect(some.stdout).toMatch(/^  passkey\s+pending\s+0000_initial$/m);
    expect(some.stdout).toMatch(/^  sso\s+applied\s+0000_initial\s/m);
    expect(some.stdout).not.toMatch(/^  social\s/m);
    expect(some.stdout).toContain(`${applied.length + 1} applied, ${byGroup("passkey").length} pending`);
  });

  it("exits 2 with one line naming --database-url when it is given empty, instead of using the embedded database", async () => {
    for (const args of [["--database-url", ""], ["--database-url="], ["--database-url", "  "]]) {
      const run = await runCli(["migrate", ...args], { cwd, env: { DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/nowhere" } });
      expect(run.code, `${args.join(" ")}: ${run.stdout}${run.stderr}`).toBe(2);
      expect(run.stderr).toContain("--database-url");
      expect(run.stdout).toBe("");
      expectOneCleanErrorLine(run);
    }
    expect(await exists(join(cwd, ".authsome"))).toBe(false); // the embedded database was not created
  });

  it("exits 1 with one clear line for a malformed database URL", async () => {
    const run = await runCli(["migrate", "--database-url", "not a url"], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Invalid database URL");
    expectOneCleanErrorLine(run);
  });

  it("exits 1 with one clear line, without the password, when the server is unreachable", async () => {
    const run = await runCli(["migrate", "--database-url", "postgres://postgres:s3cret@127.0.0.1:1/postgres"], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Cannot connect to PostgreSQL at 127.0.0.1:1/postgres: connection refused");
    expect(run.stderr).not.toContain("s3cret");
    expectOneCleanErrorLine(run);
  });

  it("reads DATABASE_URL when no --database-url is given", async () => {
    const run = await runCli(["migrate"], { cwd, env: { DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/nowhere" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("127.0.0.1:1/nowhere");
  });

  it("exits 2 with usage for an unknown plugin or command", async () => {
    const plugin = await runCli(["migrate", "--plugins", "password,teleport"], { cwd });
    expect(plugin.code).toBe(2);
    expect(plugin.stderr).toContain('Unknown plugin "teleport"');
    const command = await runCli(["migrat"], { cwd });
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("Usage: authsome migrate");
  });
});

describe("the authsome bin", () => {
  it("runs the compiled CLI from dist/ (built by npm install and before npm test)", async () => {
    const run = await runNode([join(root, "bin", "authsome.js"), "--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Usage: authsome migrate");
  });
});

describe.skipIf(isPostgres)("authsome migrate on the embedded directory (PGlite project only: it uses no server)", () => {
  it("refuses with a clear message while another process has the directory open, and leaves it usable", async () => {
    const embedded = await openEmbeddedDatabase(join(cwd, ".authsome", "data"));
    let run: Run;
    try {
      run = await runCli(["migrate"], { cwd });
    } finally {
      await embedded.close();
    }
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`is in use by another process (pid ${process.pid})`);
    expectOneCleanErrorLine(run);
    const after = await runCli(["migrate"], { cwd });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain("applied core/");
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    await mkdir(join(cwd, ".authsome"), { recursive: true });
    await writeFile(join(cwd, ".authsome", "data.lock"), "2147483646"); // no such pid
    const run = await runCli(["migrate"], { cwd });
    expect(run.code, run.stderr).toBe(0);
  });
});

describe.skipIf(!isPostgres)(`authsome migrate from 8 processes at once (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  it("succeeds in every process and records each migration exactly once", async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, () => runCli(["migrate", ...target, "--plugins", "all"], { cwd })));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs.filter((run) => run.stdout.includes("Applied "))).toHaveLength(1);
    const rows = await t!.query<{ group: string; name: string; n: string }>(
      `SELECT "group", name, count(*)::text AS n FROM authsome_migrations GROUP BY 1, 2`,
    );
    expect(rows).toHaveLength(allMigrations.length);
    for (const row of rows) expect(row.n).toBe("1");
  });
});

afterAll(() => {
  if (!isPostgres) console.info(`[cli.test] 8-process case skipped: ${pgliteSkipReason}`);
});
