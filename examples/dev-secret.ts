// The example server's secret when AUTHSOME_SECRET is unset: generated on the first start, reused afterwards.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Reads the secret in `path`, or creates it: 48 random bytes, base64url, in a file only its owner may read (0600).
 * `created` tells the caller whether this start wrote it.
 */
export async function loadOrCreateSecret(path: string): Promise<{ secret: string; created: boolean }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString("base64url");
  try {
    // "wx": never overwrite an existing secret — what it sealed would become unreadable.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return { secret, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return { secret: (await readFile(path, "utf8")).trim(), created: false };
}
