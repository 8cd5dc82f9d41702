// A PgBouncer in transaction mode in front of TEST_DATABASE_URL's server, for the pgbouncer test project (one for the
// whole project, see pgbouncer-setup.ts) and for test/store/postgres/pgbouncer.test.ts. Its config, auth file and
// log live in a temp dir that `stop()` removes. A wildcard database entry forwards every database name to the server,
// so the per-file test databases (CREATE DATABASE per file) are reachable through it without a config change.
//
// The config is what a new user would write: pool_mode = transaction and nothing that papers over a client's
// mistakes — `ignore_startup_parameters` lists only extra_float_digits (PgBouncer's own documented default need), not
// statement_timeout, so a store that sends it is refused here as it would be in production.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, readFileSync, rmSync } from "node:fs";
import { chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import pg from "pg";

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The pgbouncer executable: PGBOUNCER_BIN when set (and only it), else the first `pgbouncer` on PATH, else Debian's
 * /usr/sbin/pgbouncer (not on a non-root PATH).
 */
export function findPgBouncer(): string | undefined {
  const explicit = process.env.PGBOUNCER_BIN;
  if (explicit) return executable(explicit) ? explicit : undefined;
  const onPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "pgbouncer"));
  return [...onPath, "/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer"].find(executable);
}

export const pgbouncerBinary = findPgBouncer();
/** REQUIRE_PGBOUNCER=1 (CI): a missing pgbouncer fails the run instead of skipping what needs it. */
export const pgbouncerRequired = process.env.REQUIRE_PGBOUNCER === "1";
/** Why PgBouncer tests cannot run here, or undefined when they can (TEST_DATABASE_URL is checked separately). */
export const pgbouncerSkipReason: string | undefined = pgbouncerBinary
  ? undefined
  : process.env.PGBOUNCER_BIN
    ? `PGBOUNCER_BIN=${process.env.PGBOUNCER_BIN} is not an executable`
    : "pgbouncer is not installed (neither on PATH nor /usr/sbin/pgbouncer)";

export interface PgBouncer {
  host: string;
  port: number;
  /** `url` (default TEST_DATABASE_URL) with its host and port replaced by PgBouncer's; user, password, database and
   *  query are kept. */
  via(url?: string): string;
  /** PgBouncer's log so far (for failure messages). */
  log(): Promise<string>;
  /** Stops PgBouncer (SIGTERM: immediate shutdown, so held client connections do not delay teardown) and removes
   *  its temp dir. */
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The server to stand in front of (and whose user/password clients use). Default TEST_DATABASE_URL. */
  serverUrl?: string;
  /** Server connections per database/user pair. Default 20. */
  defaultPoolSize?: number;
  /** Client connections in all. Default 1000. */
  maxClientConn?: number;
  /** How long to wait for it to answer `SELECT 1`. Default 15 s. */
  readyTimeoutMs?: number;
}

/** `url` pointed at host:port instead (everything else kept). */
export function withHostPort(url: string, host: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.toString();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** PgBouncer refuses to run as root: then it runs as the `postgres` OS user (from /etc/passwd), else as we are. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) throw new Error("running as root, and there is no postgres OS user to run PgBouncer as (it refuses root)");
  return { uid: Number(uid), gid: Number(gid) };
}

/** A value for the auth file: double-quoted, quotes doubled. */
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`;

function config(server: URL, dir: string, port: number, options: PgBouncerOptions): string {
  const password = decodeURIComponent(server.password);
  return [
    "[databases]",
    // Every database name a client asks for, on the server's host and port.
    `* = host=${server.hostname.replace(/^\[|\]$/g, "")} port=${server.port || "5432"}`,
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    // With a password in the URL, clients authenticate against the auth file, and PgBouncer logs in to the server
    // with the same plaintext password (whatever the server asks: md5, SCRAM or nothing).
    `auth_type = ${password ? "md5" : "trust"}`,
    `auth_file = ${join(dir, "userlist.txt")}`,
    "pool_mode = transaction",
    `max_client_conn = ${options.maxClientConn ?? 1000}`,
    `default_pool_size = ${options.defaultPoolSize ?? 20}`,
    "ignore_startup_parameters = extra_float_digits",
    `logfile = ${join(dir, "pgbouncer.log")}`,
    // A dropped test database's idle server connections go soon (DROP DATABASE … WITH (FORCE) ends them anyway).
    "server_idle_timeout = 10",
    "",
  ].join("\n");
}

/**
 * Starts PgBouncer (transaction mode) on a free port in front of `options.serverUrl` (default TEST_DATABASE_URL)
 * and resolves once a real `SELECT 1` goes through it.
 * @throws Error with PgBouncer's output when it exits or does not answer within `readyTimeoutMs`
 */
export async function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  if (!pgbouncerBinary) throw new Error(pgbouncerSkipReason);
  const serverUrl = options.serverUrl ?? process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error("TEST_DATABASE_URL is required to start PgBouncer in front of it");
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username) || "postgres";
  const dir = await mkdtemp(join(tmpdir(), "authsome-pgbouncer-"));
  const owner = runAs();
  try {
    // The port is free when asked, not necessarily when PgBouncer binds it: another try on a new port then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      await writeFile(join(dir, "pgbouncer.ini"), config(server, dir, port, options), { mode: 0o600 });
      await writeFile(join(dir, "userlist.txt"), `${quoted(user)} ${quoted(decodeURIComponent(server.password))}\n`, { mode: 0o600 });
      if (owner) for (const file of ["", "pgbouncer.ini", "userlist.txt"]) await chown(join(dir, file), owner.uid, owner.gid);
      const child = spawn(pgbouncerBinary, [join(dir, "pgbouncer.ini")], { stdio: ["ignore", "pipe", "pipe"], ...(owner ?? {}) });
      // Drained for its whole life (a full pipe would stall it); the tail is kept for failure messages.
      let output = "";
      const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
      child.stdout?.on("data", collect);
      child.stderr?.on("data", collect);
      let spawnError: Error | undefined;
      child.on("error", (err) => (spawnError = err));
      try {
        await untilReady(child, withHostPort(serverUrl, "127.0.0.1", port), options.readyTimeoutMs ?? 15_000, () => spawnError?.message ?? output);
      } catch (err) {
        const log = await readFile(join(dir, "pgbouncer.log"), "utf8").catch(() => "");
        await ended(child);
        if (attempt < 3 && /Address already in use/.test(log + output)) continue;
        throw new Error(`${(err as Error).message}\n--- pgbouncer log ---\n${log}`);
      }
      // Should the runner exit without calling stop(), PgBouncer and its dir go with it rather than linger.
      const onExit = () => {
        child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      };
      process.once("exit", onExit);
      return {
        host: "127.0.0.1",
        port,
        via: (url = serverUrl) => withHostPort(url, "127.0.0.1", port),
        log: () => readFile(join(dir, "pgbouncer.log"), "utf8").catch(() => ""),
        async stop() {
          process.off("exit", onExit);
          await ended(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it has exited. */
async function ended(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Resolves once `SELECT 1` through PgBouncer answers; rejects when the process exits first or the deadline passes.
 * Between attempts it waits for PgBouncer's next output line (it logs when it starts listening) or 100 ms, whichever
 * comes first — a poll with a bound, not a guess at how long start-up takes.
 */
async function untilReady(child: ChildProcess, url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null) => (exited = `pgbouncer exited (${signal ?? code}) before accepting connections`);
  const onError = (err: Error) => (exited = `pgbouncer could not be started (${err.message})`);
  child.once("exit", onExit);
  child.once("error", onError);
  let lastError = "no attempt yet";
  try {
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${exited}:\n${output()}`);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: Math.max(500, Math.min(2_000, deadline - Date.now())) });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.query("SELECT 1");
        return;
      } catch (err) {
        lastError = (err as Error).message;
      } finally {
        await client.end().catch(() => {});
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(100, Math.max(0, deadline - Date.now())));
        function done() {
          clearTimeout(timer);
          child.stderr?.off("data", done);
          child.off("exit", done);
          child.off("error", done);
          resolve();
        }
        child.stderr?.once("data", done);
        child.once("exit", done);
        child.once("error", done);
      });
    }
    throw new Error(`pgbouncer did not answer SELECT 1 within ${timeoutMs} ms (last error: ${lastError}):\n${output()}`);
  } finally {
    child.off("exit", onExit);
    child.off("error", onError);
  }
}
