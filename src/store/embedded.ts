import { mkdir, open, readFile, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { AuthsomeError } from "../errors.js";

/** Where the example server and the CLI keep the embedded database when no `DATABASE_URL` is given. */
export const defaultEmbeddedDataDir = "./.authsome/data";

export interface EmbeddedDatabase {
  readonly client: PGlite;
  readonly dataDir: string;
  /** Closes PGlite and releases the directory lock. */
  close(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/**
 * Takes `<dataDir>.lock` (O_EXCL create holding our pid). PGlite does not lock its directory, and two processes
 * writing one directory corrupt it, so a second opener must be refused. A lock left by a dead process is removed.
 */
async function lockDirectory(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = Number.parseInt(await readFile(lockPath, "utf8").catch(() => ""), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new AuthsomeError(
        "embedded_database_locked",
        `The embedded database ${dirname(lockPath)} is in use by another process (pid ${owner}); ` +
          "stop that process or set DATABASE_URL to use a PostgreSQL server",
        { details: { pid: owner } },
      );
    }
    await rm(lockPath, { force: true }); // stale: its owner is gone (or it was never written completely)
  }
  throw new AuthsomeError("embedded_database_locked", `Could not lock the embedded database (${lockPath})`);
}

/**
 * Opens (creating if needed) the embedded PGlite database in `dataDir`, refusing with `embedded_database_locked`
 * when another live process has it open.
 */
export async function openEmbeddedDatabase(dataDir: string = defaultEmbeddedDataDir): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  const lockPath = `${dir}.lock`;
  await mkdir(dirname(dir), { recursive: true });
  await lockDirectory(lockPath);
  let client: PGlite;
  try {
    client = await PGlite.create(dir);
  } catch (err) {
    await rm(lockPath, { force: true });
    throw err;
  }
  let closed = false;
  return {
    client,
    dataDir: dir,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        await rm(lockPath, { force: true });
      }
    },
  };
}
