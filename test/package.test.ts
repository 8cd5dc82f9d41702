// Every entry point of the exports map resolves (through the package's own name, as an application imports it)
// and exposes what the README documents. Reads dist/, which `npm install` and `npm test` build.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(await readFile("package.json", "utf8")) as {
  exports: Record<string, unknown>;
  files: string[];
  bin: Record<string, string>;
  peerDependencies: Record<string, string>;
};

const entryPoints: Record<string, string[]> = {
  authsome: ["AuthsomeError", "ConflictError", "NotFoundError", "UnavailableError", "ValidationError", "isAuthsomeError"],
  "authsome/schema": ["users", "sessions", "apps", "environments", "roles", "usersRelations"],
  "authsome/store/postgres": ["postgresStore", "createPostgresStore", "createPool", "countQueries", "openEmbeddedDatabase"],
  "authsome/migrate": ["migrate", "migrationStatus", "coreMigrations", "builtInMigrationGroup"],
  "authsome/plugins/password": ["passwordMigrations"],
  "authsome/plugins/password/schema": ["passwordHashes"],
  "authsome/plugins/mfa": ["mfaMigrations"],
  "authsome/plugins/mfa/schema": ["mfaEnrollments", "mfaRecoveryCodes"],
  "authsome/plugins/passkey": ["passkeyMigrations"],
  "authsome/plugins/passkey/schema": ["passkeys"],
  "authsome/plugins/social": ["socialMigrations"],
  "authsome/plugins/social/schema": ["oauthAccounts"],
};

describe("the package", () => {
  it.each(Object.entries(entryPoints))("%s resolves and exports its documented names", async (specifier, names) => {
    const module = (await import(specifier)) as Record<string, unknown>;
    for (const name of names) expect(module[name], `${specifier} → ${name}`).toBeDefined();
  });

  it("declares the design card's exports, ships dist and drizzle, and keeps drizzle-orm a peer", () => {
    expect(Object.keys(pkg.exports)).toEqual(
      expect.arrayContaining([".", "./schema", "./store/postgres", "./migrate", "./plugins/*/schema", "./plugins/*"]),
    );
    expect(pkg.files).toEqual(expect.arrayContaining(["dist", "drizzle"]));
    expect(pkg.bin.authsome).toBeDefined();
    expect(pkg.peerDependencies["drizzle-orm"]).toBeDefined();
  });
});
