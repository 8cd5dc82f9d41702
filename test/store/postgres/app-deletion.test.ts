// Deleting an app removes everything that belongs to it — in every table, core and plugin — and nothing of
// another app.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInMigrationGroup, migrationGroupNames } from "../../../src/migrate/groups.js";
import { mfaAppPolicies, mfaEnrollments, mfaRecoveryCodes } from "../../../src/plugins/mfa/schema.js";
import { passkeys } from "../../../src/plugins/passkey/schema.js";
import { passwordHashes } from "../../../src/plugins/password/schema.js";
import { oauthAccounts } from "../../../src/plugins/social/schema.js";
import * as core from "../../../src/schema/index.js";
import { createTestStore, fakeHash, seedTenant, type TestStore } from "../../support/store.js";

let s: TestStore;
const soon = new Date(Date.now() + 3_600_000);

beforeAll(async () => {
  s = await createTestStore();
  await s.store.migrate(...migrationGroupNames.map(builtInMigrationGroup));
});
afterAll(() => s.t.drop());

/** One row (at least) in every app-owned table, core and plugin. */
async function seedEverything(slug: string): Promise<string> {
  const db = s.t.db;
  const { app, env } = await seedTenant(s.store, slug);
  const [user] = await db.insert(core.users).values({ appId: app.id, envId: env.id, email: `${slug}@example.com` }).returning();
  const userId = user!.id;
  const [org] = await db.insert(core.organizations).values({ appId: app.id, envId: env.id, name: slug, slug, createdBy: userId }).returning();
  const [device] = await db.insert(core.devices).values({ appId: app.id, envId: env.id, userId, fingerprint: "ua" }).returning();
  const [session] = await db
    .insert(core.sessions)
    .values({ appId: app.id, envId: env.id, userId, orgId: org!.id, deviceId: device!.id, tokenHash: fakeHash(), refreshTokenHash: fakeHash(), familyId: `fam-${slug}`, expiresAt: soon, refreshExpiresAt: soon })
    .returning();
  await s.store.sessions.rotate({ appId: app.id, envId: env.id }, { refreshTokenHash: session!.refreshTokenHash, newTokenHash: fakeHash(), newRefreshTokenHash: fakeHash(), expiresAt: soon, refreshExpiresAt: soon, now: new Date() });
  await db.insert(core.verifications).values({ appId: app.id, envId: env.id, userId, type: "email", tokenHash: fakeHash(), expiresAt: soon });
  await db.insert(core.passwordResets).values({ appId: app.id, envId: env.id, userId, tokenHash: fakeHash(), expiresAt: soon });
  await db.insert(core.members).values({ orgId: org!.id, userId, role: "owner" });
  await db.insert(core.invitations).values({ orgId: org!.id, email: "guest@example.com", inviterId: userId, tokenHash: fakeHash(), expiresAt: soon });
  await db.insert(core.teams).values({ orgId: org!.id, name: "Core", slug: "core" });
  await db.insert(core.brandingConfigs).values({ appId: app.id, orgId: org!.id });
  await db.insert(core.webhooks).values({ appId: app.id, envId: env.id, url: "https://example.com/hook", secretSealed: "v1.sealed" });
  await db.insert(core.notifications).values({ appId: app.id, envId: env.id, userId, type: "verify_email", channel: "email" });
  await db.insert(core.apiKeys).values({ appId: app.id, envId: env.id, userId, name: "ci", keyHash: fakeHash(), keyPrefix: "sk_live_1a2b3c4d" });
  await db.insert(core.formConfigs).values({ appId: app.id });
  await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 600 }, new Date());
  const [role] = await db.insert(core.roles).values({ appId: app.id, envId: env.id, name: "Admin", slug: "admin" }).returning();
  await db.insert(core.rolePermissions).values({ roleId: role!.id, action: "*", resource: "*" });
  await db.insert(core.userRoles).values({ userId, roleId: role!.id, orgId: org!.id });
  await db.insert(core.ceremonies).values({ keyHash: fakeHash(), kind: "oauth_state", appId: app.id, envId: env.id, expiresAt: soon });
  await db.insert(core.auditEvents).values({ appId: app.id, envId: env.id, userId, type: "user.signed_up" });
  await db.insert(passwordHashes).values({ userId, hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" });
  await db.insert(mfaEnrollments).values({ userId, method: "totp", secretSealed: "v1.sealed" });
  await db.insert(mfaRecoveryCodes).values({ userId, codeHash: fakeHash() });
  await db.insert(mfaAppPolicies).values({ appId: app.id, required: true });
  await db.insert(passkeys).values({ appId: app.id, userId, credentialId: `cred-${slug}`, publicKey: new Uint8Array([1, 2, 3]) });
  await db.insert(oauthAccounts).values({ appId: app.id, envId: env.id, userId, provider: "github", providerAccountId: `gh-${slug}` });
  return app.id;
}

async function countsByTable(): Promise<Record<string, number>> {
  const tables = await s.t.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_name LIKE 'authsome\\_%'
       AND table_name NOT IN ('authsome_migrations', 'authsome_rate_limits')`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await s.t.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}"`);
    counts[table_name] = row!.n;
  }
  return counts;
}

describe("deleting an app", () => {
  it("removes its rows from every table and leaves another app's rows intact", async () => {
    const doomed = await seedEverything("doomed");
    await seedEverything("survivor");
    const before = await countsByTable();
    // Every core and plugin table but rate limits, whose counters are keyed by client, not by app.
    expect(Object.keys(before)).toHaveLength(29);
    for (const [table, n] of Object.entries(before)) expect(n, table).toBeGreaterThanOrEqual(2);

    await s.store.apps.delete(doomed);

    const after = await countsByTable();
    for (const [table, n] of Object.entries(before)) expect(after[table], table).toBe(n / 2);
    expect(await s.store.apps.findById(doomed)).toBeNull();
    expect(await s.store.apps.findBySlug("survivor")).not.toBeNull();
  });
});
