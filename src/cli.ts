// The `authsome` command. Only `migrate` for now:
//   authsome migrate [--database-url URL] [--plugins password,mfa,passkey,social|all] [--status]
import { parseArgs } from "node:util";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { isAuthsomeError } from "./errors.js";
import { findErrno, findPgError, isConnectionFailure } from "./migrate/driver-errors.js";
import { builtInMigrationGroup, migrationGroupNames, type BuiltInGroupName, type MigrationGroup } from "./migrate/groups.js";
import { type AnyPgDatabase, appliedMigrations, migrate, migrationStatus } from "./migrate/runner.js";
import { defaultEmbeddedDataDir, openEmbeddedDatabase } from "./store/embedded.js";

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

const usage = `Usage: authsome migrate [--database-url URL] [--plugins password,mfa,passkey,social|all] [--status]

  --database-url URL  PostgreSQL connection string (default: $DATABASE_URL, else the embedded
                      database in ${defaultEmbeddedDataDir})
  --plugins LIST      plugin migration groups to include besides core (comma-separated, or "all")
  --status            list applied and pending migrations instead of applying them: of every group, or with
                      --plugins of core, those plugins and any group with applied migrations`;

class UsageError extends Error {}

const pluginNames = migrationGroupNames.filter((name) => name !== "core");

function parsePlugins(value: string | undefined): BuiltInGroupName[] {
  if (!value) return [];
  const names = value.split(",").map((name) => name.trim()).filter(Boolean);
  if (names.includes("all")) return [...pluginNames];
  for (const name of names) {
    if (!(pluginNames as readonly string[]).includes(name)) {
      throw new UsageError(`Unknown plugin "${name}"; expected one of: ${pluginNames.join(", ")}, all`);
    }
  }
  return names as BuiltInGroupName[];
}

/** The URL without its password, for messages. */
function describeUrl(url: URL): string {
  return `${url.hostname || "localhost"}:${url.port || "5432"}${url.pathname}`;
}

function parseDatabaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError("Invalid database URL: expected postgres://user:password@host:5432/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new UsageError(`Invalid database URL: the scheme must be postgres:// or postgresql://, not ${url.protocol}//`);
  }
  return url;
}

interface Connection {
  db: AnyPgDatabase;
  label: string;
  close: () => Promise<void>;
}

async function connect(databaseUrl: string | undefined): Promise<Connection> {
  if (!databaseUrl) {
    const embedded = await openEmbeddedDatabase();
    return { db: drizzlePglite(embedded.client), label: `embedded database ${embedded.dataDir}`, close: embedded.close };
  }
  const url = parseDatabaseUrl(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => {}); // an idle client's error must not crash the command; the next query reports it
  return { db: drizzleNodePg(pool), label: `PostgreSQL at ${describeUrl(url)}`, close: () => pool.end() };
}

function connectionMessage(err: unknown, label: string): string | undefined {
  const pgError = findPgError(err);
  if (pgError?.code === "28P01" || pgError?.code === "28000") return `Cannot connect to ${label}: authentication failed`;
  if (pgError?.code === "3D000") return `Cannot connect to ${label}: the database does not exist`;
  if (isConnectionFailure(err)) {
    const errno = findErrno(err);
    const reason = errno === "ECONNREFUSED" ? "connection refused" : errno === "ENOTFOUND" ? "host not found" : "connection failed";
    return `Cannot connect to ${label}: ${reason}`;
  }
  return undefined;
}

/** One line for any failure: ours carry a clear message; a driver's is reduced to what went wrong. */
function failureMessage(err: unknown, label: string): string {
  if (err instanceof UsageError || isAuthsomeError(err)) return err.message;
  return connectionMessage(err, label) ?? `unexpected failure: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Lists the requested groups (every built-in one when `plugins` is undefined, i.e. no --plugins) and every group with
 * applied rows; a group this package does not ship (a newer version or another plugin migrated it) as applied rows.
 */
async function printStatus(connection: Connection, plugins: BuiltInGroupName[] | undefined, io: CliIo) {
  const rows = await appliedMigrations(connection.db);
  const shown = new Set<string>([...(plugins ?? migrationGroupNames), ...rows.map((row) => row.group)]);
  const builtIn = migrationGroupNames.filter((name) => shown.has(name));
  const foreign = rows.filter((row) => !(migrationGroupNames as readonly string[]).includes(row.group));
  const report = await migrationStatus(connection.db, builtIn.map(builtInMigrationGroup));
  io.out(`Migrations in ${connection.label}:`);
  for (const group of report) {
    const column = group.group.padEnd(9);
    for (const { name, appliedAt } of group.applied) {
      const flag = group.changed.includes(name) ? "  CHANGED since applied" : "";
      io.out(`  ${column} applied  ${name}  ${appliedAt.toISOString()}${flag}`);
    }
    for (const name of group.pending) io.out(`  ${column} pending  ${name}`);
    for (const name of group.unknown) io.out(`  ${column} unknown  ${name}  (not in this package)`);
  }
  for (const { group, name, appliedAt } of foreign) {
    io.out(`  ${group.padEnd(9)} applied  ${name}  ${appliedAt.toISOString()}  (group not in this package)`);
  }
  const count = (key: "applied" | "pending") => report.reduce((n, group) => n + group[key].length, 0);
  io.out(`${count("applied") + foreign.length} applied, ${count("pending")} pending`);
}

async function applyMigrations(connection: Connection, groups: MigrationGroup[], io: CliIo) {
  const started = performance.now();
  const result = await migrate(connection.db, groups);
  const ms = Math.round(performance.now() - started);
  for (const { group, name } of result.applied) io.out(`applied ${group}/${name}`);
  io.out(
    result.applied.length === 0
      ? `${connection.label} is up to date (${result.alreadyApplied} migrations applied earlier)`
      : `Applied ${result.applied.length} migrations to ${connection.label} in ${ms} ms (${result.alreadyApplied} were already applied)`,
  );
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: string | undefined;
  let options: { "database-url"?: string; plugins?: string; status?: boolean; help?: boolean };
  let plugins: BuiltInGroupName[];
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        "database-url": { type: "string" },
        plugins: { type: "string" },
        status: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    options = parsed.values;
    command = parsed.positionals[0];
    if (options.help) {
      io.out(usage);
      return 0;
    }
    if (command !== "migrate" || parsed.positionals.length > 1) {
      throw new UsageError(command ? `Unknown command "${parsed.positionals.join(" ")}"` : "Missing command");
    }
    plugins = parsePlugins(options.plugins);
  } catch (err) {
    io.err(`authsome: ${(err as Error).message}`);
    io.err(usage);
    return 2;
  }

  // An empty flag is a mistake (an unset variable in a script, say), not a request for the embedded database.
  if (options["database-url"]?.trim() === "") {
    io.err(
      "authsome: --database-url is empty; give a postgres:// URL, or leave the flag out to use $DATABASE_URL " +
        "or the embedded database",
    );
    return 2;
  }
  const databaseUrl = options["database-url"] ?? io.env.DATABASE_URL;
  let connection: Connection | undefined;
  try {
    connection = await connect(databaseUrl || undefined);
    if (options.status) await printStatus(connection, options.plugins === undefined ? undefined : plugins, io);
    else await applyMigrations(connection, plugins.map(builtInMigrationGroup), io);
    return 0;
  } catch (err) {
    io.err(`authsome: ${failureMessage(err, connection?.label ?? (databaseUrl ? "PostgreSQL" : "the embedded database"))}`);
    return 1;
  } finally {
    await connection?.close().catch(() => {});
  }
}
