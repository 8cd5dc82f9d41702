// The schema's Drizzle relations drive typed relational queries (`db.query.<table>.findMany({ with })`),
// including across a plugin table and the core user it references.
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInMigrationGroup } from "../../src/migrate/groups.js";
import { migrate } from "../../src/migrate/runner.js";
import * as passwordSchema from "../../src/plugins/password/schema.js";
import * as core from "../../src/schema/index.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

const schema = { ...core, ...passwordSchema };
let t: TestDatabase;
let pool: pg.Pool | undefined;

function typedDb() {
  // The test database's Drizzle instance has no schema attached; build one over the same connection.
  if (t.driver === "postgres") {
    pool = t.newPool(2).pool;
    return drizzleNodePg(pool, { schema });
  }
  return drizzlePglite((t.db as unknown as { $client: PGlite }).$client, { schema });
}

beforeAll(async () => {
  t = await createTestDatabase();
  await migrate(t.db, [builtInMigrationGroup("password")]);
});
afterAll(() => t.drop());

describe("schema relations", () => {
  it("load a user with its app, environment, sessions, memberships, roles and password hash in one typed query", async () => {
    const db = typedDb();
    const [app] = await db.insert(core.apps).values({ name: "Shop", slug: "shop" }).returning();
    const [env] = await db
      .insert(core.environments)
      .values({ appId: app!.id, name: "Production", slug: "production", type: "production", isDefault: true })
      .returning();
    const [user] = await db.insert(core.users).values({ appId: app!.id, envId: env!.id, email: "ada@example.com" }).returning();
    const now = new Date();
    await db.insert(core.sessions).values({
      appId: app!.id,
      envId: env!.id,
      userId: user!.id,
      tokenHash: "a".repeat(64),
      refreshTokenHash: "b".repeat(64),
      familyId: "fam",
      expiresAt: new Date(now.getTime() + 3_600_000),
      refreshExpiresAt: new Date(now.getTime() + 86_400_000),
    });
    const [org] = await db.insert(core.organizations).values({ appId: app!.id, envId: env!.id, name: "Acme", slug: "acme", createdBy: user!.id }).returning();
    await db.insert(core.members).values({ orgId: org!.id, userId: user!.id, role: "owner" });
    const [parent] = await db.insert(core.roles).values({ appId: app!.id, envId: env!.id, name: "User", slug: "user" }).returning();
    const [admin] = await db.insert(core.roles).values({ appId: app!.id, envId: env!.id, name: "Admin", slug: "admin", parentId: parent!.id }).returning();
    await db.insert(core.userRoles).values({ userId: user!.id, roleId: admin!.id, orgId: org!.id });
    await db.insert(passwordSchema.passwordHashes).values({ userId: user!.id, hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" });

    const loaded = await db.query.users.findFirst({
      where: (users, { eq }) => eq(users.id, user!.id),
      with: {
        app: true,
        environment: true,
        sessions: true,
        memberships: { with: { organization: true } },
        roles: { with: { role: { with: { parent: true } } } },
      },
    });
    expect(user!.id).toMatch(/^ausr_[0-9a-z]{26}$/);
    expect(loaded?.app.slug).toBe("shop");
    expect(loaded?.environment.isDefault).toBe(true);
    expect(loaded?.sessions.map((s) => s.familyId)).toEqual(["fam"]);
    expect(loaded?.memberships[0]?.organization.slug).toBe("acme");
    expect(loaded?.roles[0]?.role.parent?.slug).toBe("user");

    const hash = await db.query.passwordHashes.findFirst({ with: { user: true } });
    expect(hash?.user.email).toBe("ada@example.com");
    expect(hash?.id).toMatch(/^apwh_/);
  });
});
