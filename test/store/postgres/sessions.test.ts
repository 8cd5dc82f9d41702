import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewSession, Session } from "../../../src/store/contract/index.js";
import { postgresStore } from "../../../src/store/postgres/store.js";
import { isPostgres, pgbouncerSkipNote, pgliteSkipReason, viaPgBouncer } from "../../support/database.js";
import { devices, organizations } from "../../../src/schema/index.js";
import { createTestStore, fakeHash, rejectionOf, scopeOf, seedTenant, seedUser, type Tenant, type TestStore, testStoreOptions } from "../../support/store.js";

let s: TestStore;
let tenant: Tenant;
const hour = 3_600_000;
const now = new Date("2026-06-01T12:00:00Z");
const later = (ms: number) => new Date(now.getTime() + ms);

beforeAll(async () => {
  s = await createTestStore();
  tenant = await seedTenant(s.store);
});
afterAll(() => s.t.drop());

async function seedSession(userId: string, overrides: Partial<NewSession> = {}): Promise<Session> {
  return s.store.sessions.create({
    appId: tenant.app.id,
    envId: tenant.env.id,
    userId,
    tokenHash: fakeHash(),
    refreshTokenHash: fakeHash(),
    familyId: `fam_${fakeHash().slice(0, 16)}`,
    expiresAt: later(hour),
    refreshExpiresAt: later(24 * hour),
    ...overrides,
  });
}

function rotation(session: Session, at = now) {
  return {
    refreshTokenHash: session.refreshTokenHash,
    newTokenHash: fakeHash(),
    newRefreshTokenHash: fakeHash(),
    expiresAt: new Date(at.getTime() + hour),
    refreshExpiresAt: new Date(at.getTime() + 48 * hour),
    now: at,
  };
}

describe("sessions store", () => {
  it("creates a session and resolves it by access-token hash together with its user", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id, { ipAddress: "203.0.113.9", userAgent: "test" });
    expect(session.id).toMatch(/^ases_/);
    const found = await s.store.sessions.findByTokenHash(session.tokenHash, now);
    expect(found?.session).toEqual(session);
    expect(found?.user).toEqual(user);
    expect(await s.store.sessions.findById(scopeOf(tenant), session.id)).toEqual(session);
  });

  it("does not resolve an unknown, expired or deleted user's session", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    expect(await s.store.sessions.findByTokenHash(fakeHash(), now)).toBeNull();
    expect(await s.store.sessions.findByTokenHash(session.tokenHash, session.expiresAt)).toBeNull(); // expiry is exclusive
    expect(await s.store.sessions.findByTokenHash(session.tokenHash, later(2 * hour))).toBeNull();
    await s.store.users.softDelete(scopeOf(tenant), user.id, now);
    expect(await s.store.sessions.findByTokenHash(session.tokenHash, now)).toBeNull();
  });

  it("creates a session with its audit event and a rate-limit reset in one statement", async () => {
    const user = await seedUser(s.store, tenant);
    await s.store.rateLimits.hit(`signin-attempts:${user.id}`, 900, now);
    await s.store.rateLimits.hit("someone-else", 900, now);
    s.t.counter.reset();
    const session = await s.store.sessions.create(
      { appId: tenant.app.id, envId: tenant.env.id, userId: user.id, tokenHash: fakeHash(), refreshTokenHash: fakeHash(), familyId: "fam_fx", ipAddress: "192.0.2.1", expiresAt: later(hour), refreshExpiresAt: later(24 * hour) },
      { audit: { type: "signin.succeeded", ipAddress: "192.0.2.1", userAgent: "ua", metadata: { via: "test" }, at: now }, resetRateLimitKeys: [`signin-attempts:${user.id}`] },
    );
    expect(s.t.counter.count).toBe(1);
    expect(session).toMatchObject({ userId: user.id, ipAddress: "192.0.2.1", userAgent: "", familyId: "fam_fx", orgId: null });
    expect(session.id).toMatch(/^ases_/);
    expect(session.createdAt).toBeInstanceOf(Date);
    expect(await s.store.sessions.findById(scopeOf(tenant), session.id)).toEqual(session);
    const events = await s.store.auditEvents.list(tenant.app.id, { userId: user.id });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ type: "signin.succeeded", ipAddress: "192.0.2.1", userAgent: "ua", metadata: { via: "test", sessionId: session.id }, createdAt: now });
    expect(await s.store.rateLimits.findByKey(`signin-attempts:${user.id}`, now)).toBeNull();
    expect(await s.store.rateLimits.findByKey("someone-else", now)).not.toBeNull();
  });

  it("writes a session only by consuming the tenant's open ceremony, in one statement, once", async () => {
    const user = await seedUser(s.store, tenant);
    const keyHash = fakeHash();
    await s.store.ceremonies.put({ keyHash, kind: "signin:mfa", appId: tenant.app.id, envId: tenant.env.id, payload: {}, expiresAt: later(hour) });
    await s.store.rateLimits.hit(`signin-attempts:${user.id}`, 900, now);
    const input = () => ({ appId: tenant.app.id, envId: tenant.env.id, userId: user.id, tokenHash: fakeHash(), refreshTokenHash: fakeHash(), familyId: "fam_c", expiresAt: later(hour), refreshExpiresAt: later(2 * hour) });
    const effects = { consumeCeremony: { kind: "signin:mfa", keyHash }, resetRateLimitKeys: [`signin-attempts:${user.id}`], audit: { type: "signin.succeeded", ipAddress: "", userAgent: "", at: now } };
    s.t.counter.reset();
    const session = await s.store.sessions.create(input(), effects);
    expect(s.t.counter.count).toBe(1);
    expect(await s.store.ceremonies.find(scopeOf(tenant), "signin:mfa", keyHash, now)).toBeNull();
    expect(await s.store.rateLimits.findByKey(`signin-attempts:${user.id}`, now)).toBeNull();
    // The second use writes nothing: no session, no event, no reset.
    await s.store.rateLimits.hit(`signin-attempts:${user.id}`, 900, now);
    expect(await rejectionOf(s.store.sessions.create(input(), effects))).toMatchObject({ code: "ceremony_consumed" });
    expect((await s.store.sessions.listByUser(user.id, now)).items.map((x) => x.id)).toEqual([session.id]);
    expect((await s.store.auditEvents.list(tenant.app.id, { userId: user.id })).items).toHaveLength(1);
    expect(await s.store.rateLimits.findByKey(`signin-attempts:${user.id}`, now)).not.toBeNull();
    // Another tenant's ceremony is not consumed (nor is a session written for it).
    const other = await seedTenant(s.store);
    const foreign = fakeHash();
    await s.store.ceremonies.put({ keyHash: foreign, kind: "signin:mfa", appId: other.app.id, envId: other.env.id, payload: {}, expiresAt: later(hour) });
    expect(await rejectionOf(s.store.sessions.create(input(), { consumeCeremony: { kind: "signin:mfa", keyHash: foreign } }))).toMatchObject({ code: "ceremony_consumed" });
    expect(await s.store.ceremonies.find(scopeOf(other), "signin:mfa", foreign, now)).not.toBeNull();
  });

  it("checks a session in exactly one SQL statement", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    s.t.counter.reset(); // counts every statement on the store's connection (tests in a file run one at a time)
    expect((await s.store.sessions.findByTokenHash(session.tokenHash, now))?.user.id).toBe(user.id);
    expect(s.t.counter.statements).toHaveLength(1);
  });

  it("resolves a refresh token only while its refresh window is open", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    expect((await s.store.sessions.findByRefreshTokenHash(scopeOf(tenant), session.refreshTokenHash, now))?.id).toBe(session.id);
    expect(await s.store.sessions.findByRefreshTokenHash(scopeOf(tenant), session.refreshTokenHash, session.refreshExpiresAt)).toBeNull();
  });

  it("lists only the user's sessions with an open refresh window, newest first, page by page", async () => {
    const user = await seedUser(s.store, tenant);
    const other = await seedUser(s.store, tenant);
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await seedSession(user.id));
    await seedSession(user.id, { refreshExpiresAt: later(-1) });
    await seedSession(other.id);
    const first = await s.store.sessions.listByUser(user.id, now, { limit: 3 });
    const second = await s.store.sessions.listByUser(user.id, now, { limit: 3, cursor: first.nextCursor });
    expect(first.items).toHaveLength(3);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((x) => x.id)).toEqual(mine.map((x) => x.id).sort().reverse());
  });

  it("rotates by compare-and-swap: a wrong refresh token changes nothing, the right one replaces both tokens", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    expect(await s.store.sessions.rotate(scopeOf(tenant), { ...rotation(session), refreshTokenHash: fakeHash() })).toBeNull();
    expect((await s.store.sessions.findByTokenHash(session.tokenHash, now))?.session.id).toBe(session.id);

    const next = rotation(session);
    const rotated = await s.store.sessions.rotate(scopeOf(tenant), next);
    expect(rotated).toMatchObject({ id: session.id, tokenHash: next.newTokenHash, refreshTokenHash: next.newRefreshTokenHash, familyId: session.familyId });
    expect(rotated?.refreshExpiresAt).toEqual(next.refreshExpiresAt);
    expect(rotated?.createdAt).toBeInstanceOf(Date);
    expect(await s.store.sessions.findByTokenHash(session.tokenHash, now)).toBeNull();
    expect((await s.store.sessions.findByTokenHash(next.newTokenHash, now))?.session.id).toBe(session.id);
    expect(await s.store.sessions.findByRefreshTokenHash(scopeOf(tenant), session.refreshTokenHash, now)).toBeNull();

    const retired = await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, session.refreshTokenHash);
    expect(retired).toMatchObject({ familyId: session.familyId, reason: "rotated", appId: tenant.app.id });
    expect(retired?.expiresAt).toEqual(next.refreshExpiresAt);
    expect(await s.store.sessions.rotate(scopeOf(tenant), rotation(session))).toBeNull(); // the old token cannot rotate again
  });

  it("does not rotate an expired refresh token, nor a token of another session when the id is given", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    const other = await seedSession(user.id);
    expect(await s.store.sessions.rotate(scopeOf(tenant), rotation(session, session.refreshExpiresAt))).toBeNull();
    expect(await s.store.sessions.rotate(scopeOf(tenant), { ...rotation(session), sessionId: other.id })).toBeNull();
    expect(await s.store.sessions.rotate(scopeOf(tenant), { ...rotation(session), sessionId: session.id })).not.toBeNull();
  });

  it("rotates only within the given app and environment, retiring nothing for another tenant", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    const elsewhere = await seedTenant(s.store);
    expect(await s.store.sessions.rotate(scopeOf(elsewhere), rotation(session))).toBeNull();
    expect(await s.store.sessions.rotate({ appId: tenant.app.id, envId: elsewhere.env.id }, rotation(session))).toBeNull();
    expect(await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, session.refreshTokenHash)).toBeNull(); // nothing was retired
    expect(await s.store.sessions.rotate(scopeOf(tenant), rotation(session))).not.toBeNull();
  });

  it("evicts all but the user's newest live sessions, recording them as evicted, in one statement", async () => {
    const user = await seedUser(s.store, tenant);
    const bystander = await seedSession((await seedUser(s.store, tenant)).id);
    const sessions = [];
    for (let i = 0; i < 4; i++) sessions.push(await seedSession(user.id, { createdAt: later(i * 1000) } as Partial<NewSession>));
    s.t.counter.reset();
    expect(await s.store.sessions.evictOldest(user.id, 2, now)).toBe(2);
    expect(s.t.counter.count).toBe(1);
    const left = (await s.store.sessions.listByUser(user.id, now)).items.map((x) => x.id);
    expect(left.sort()).toEqual([sessions[2]?.id, sessions[3]?.id].sort());
    expect((await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, sessions[0]?.refreshTokenHash as string))?.reason).toBe("evicted");
    expect(await s.store.sessions.findById(scopeOf(tenant), bystander.id)).not.toBeNull();
    expect(await s.store.sessions.evictOldest(user.id, 2, now)).toBe(0);
  });

  it("revokes one session and records its refresh token as revoked", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    expect(await s.store.sessions.revoke(scopeOf(tenant), session.id, "logout", now)).toBe(true);
    expect(await s.store.sessions.findById(scopeOf(tenant), session.id)).toBeNull();
    expect(await s.store.sessions.findByTokenHash(session.tokenHash, now)).toBeNull();
    expect((await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, session.refreshTokenHash))?.reason).toBe("logout");
    expect(await s.store.sessions.revoke(scopeOf(tenant), session.id, "logout", now)).toBe(false);
  });

  it("revokes with its event in one statement, through the same event writer as create", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    s.t.counter.reset();
    const audit = { type: "session.signed_out", ipAddress: "192.0.2.7", userAgent: "ua", metadata: { by: "test" } };
    expect(await s.store.sessions.revoke(scopeOf(tenant), session.id, "logout", now, audit)).toBe(true);
    expect(s.t.counter.count).toBe(1);
    const events = await s.store.auditEvents.list(tenant.app.id, { userId: user.id, type: "session.signed_out" });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ ...audit, envId: tenant.env.id, metadata: { by: "test", sessionId: session.id }, createdAt: now });
    expect(await s.store.sessions.revoke(scopeOf(tenant), session.id, "logout", now, audit)).toBe(false);
    expect((await s.store.auditEvents.list(tenant.app.id, { userId: user.id, type: "session.signed_out" })).items).toHaveLength(1);
  });

  it("treats another tenant's session as missing: not found, not rotated, not revoked", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    const elsewhere = scopeOf(await seedTenant(s.store));
    expect(await s.store.sessions.findById(elsewhere, session.id)).toBeNull();
    expect(await s.store.sessions.findByRefreshTokenHash(elsewhere, session.refreshTokenHash, now)).toBeNull();
    expect(await s.store.sessions.revoke(elsewhere, session.id, "logout", now)).toBe(false);
    expect(await s.store.sessions.findById(scopeOf(tenant), session.id)).toEqual(session);
    await s.store.sessions.rotate(scopeOf(tenant), rotation(session));
    expect(await s.store.revokedRefreshTokens.findByTokenHash(elsewhere.appId, session.refreshTokenHash)).toBeNull();
    expect(await s.store.revokedRefreshTokens.markReplayed(elsewhere.appId, session.refreshTokenHash)).toBe(false);
    expect((await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, session.refreshTokenHash))?.reason).toBe("rotated");
  });

  it("writes method, organization, device and impersonator on both create paths, defaulting to '' and null", async () => {
    const user = await seedUser(s.store, tenant);
    const admin = await seedUser(s.store, tenant);
    const [org] = await s.t.db.insert(organizations).values({ appId: tenant.app.id, envId: tenant.env.id, name: "Org", slug: `org-${fakeHash().slice(0, 8)}` }).returning();
    const [device] = await s.t.db.insert(devices).values({ appId: tenant.app.id, envId: tenant.env.id, userId: user.id }).returning();
    const given = { method: "social:github", orgId: org!.id, deviceId: device!.id, impersonatedBy: admin.id };
    const plain = await seedSession(user.id, given);
    const withEffects = await s.store.sessions.create(
      { appId: tenant.app.id, envId: tenant.env.id, userId: user.id, tokenHash: fakeHash(), refreshTokenHash: fakeHash(), familyId: "fam_m", expiresAt: later(hour), refreshExpiresAt: later(2 * hour), ...given },
      { audit: { type: "signin.succeeded", ipAddress: "", userAgent: "", at: now } },
    );
    for (const session of [plain, withEffects]) {
      expect(session).toMatchObject(given);
      expect(await s.store.sessions.findById(scopeOf(tenant), session.id)).toMatchObject(given);
    }
    expect((await s.store.sessions.findByTokenHash(withEffects.tokenHash, now))?.session).toMatchObject(given);
    const bare = await s.store.sessions.create(
      { appId: tenant.app.id, envId: tenant.env.id, userId: user.id, tokenHash: fakeHash(), refreshTokenHash: fakeHash(), familyId: "fam_b", expiresAt: later(hour), refreshExpiresAt: later(2 * hour) },
      { resetRateLimitKeys: ["nothing-to-reset"] },
    );
    expect(bare).toMatchObject({ method: "", orgId: null, deviceId: null, impersonatedBy: null });
  });

  it("revokes all of a user's sessions except the current one", async () => {
    const user = await seedUser(s.store, tenant);
    const current = await seedSession(user.id);
    await seedSession(user.id);
    await seedSession(user.id);
    const bystander = await seedSession((await seedUser(s.store, tenant)).id);
    expect(await s.store.sessions.revokeByUser(user.id, "logout", now, current.id)).toBe(2);
    expect((await s.store.sessions.listByUser(user.id, now)).items.map((x) => x.id)).toEqual([current.id]);
    expect(await s.store.sessions.findById(scopeOf(tenant), bystander.id)).not.toBeNull();
    expect(await s.store.sessions.revokeByUser(user.id, "logout", now)).toBe(1);
  });

  it("revokes a whole token family and records every refresh hash, leaving other families alone", async () => {
    const user = await seedUser(s.store, tenant);
    const a = await seedSession(user.id, { familyId: "fam_shared" });
    const b = await seedSession(user.id, { familyId: "fam_shared" });
    const unrelated = await seedSession(user.id);
    expect(await s.store.sessions.revokeFamily("fam_shared", "family_revocation", now)).toBe(2);
    expect(await s.store.sessions.findById(scopeOf(tenant), a.id)).toBeNull();
    expect(await s.store.sessions.findById(scopeOf(tenant), b.id)).toBeNull();
    expect(await s.store.sessions.findById(scopeOf(tenant), unrelated.id)).not.toBeNull();
    for (const x of [a, b]) expect((await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, x.refreshTokenHash))?.familyId).toBe("fam_shared");
    expect(await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, unrelated.refreshTokenHash)).toBeNull();
  });

  it("purges sessions whose refresh window has closed, and revoked hashes past their family's expiry", async () => {
    const user = await seedUser(s.store, tenant);
    const stale = await seedSession(user.id, { expiresAt: later(-2 * hour), refreshExpiresAt: later(-hour) });
    const fresh = await seedSession(user.id);
    await s.store.sessions.revoke(scopeOf(tenant), fresh.id, "logout", now);
    expect(await s.store.sessions.purgeExpired(now)).toBeGreaterThanOrEqual(1);
    expect(await s.store.sessions.findById(scopeOf(tenant), stale.id)).toBeNull();
    expect(await s.store.revokedRefreshTokens.purgeExpired(now)).toBe(0); // fresh's family is still alive
    expect(await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, fresh.refreshTokenHash)).not.toBeNull();
    expect(await s.store.revokedRefreshTokens.purgeExpired(fresh.refreshExpiresAt)).toBeGreaterThanOrEqual(1);
    expect(await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, fresh.refreshTokenHash)).toBeNull();
  });

  it("reports a replayed refresh token as the first replay exactly once", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    await s.store.sessions.rotate(scopeOf(tenant), rotation(session));
    expect(await s.store.revokedRefreshTokens.markReplayed(tenant.app.id, session.refreshTokenHash)).toBe(true);
    expect(await s.store.revokedRefreshTokens.markReplayed(tenant.app.id, session.refreshTokenHash)).toBe(false);
    expect(await s.store.revokedRefreshTokens.markReplayed(tenant.app.id, fakeHash())).toBe(false);
    expect(await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, fakeHash())).toBeNull();
  });

  it("refuses a second session with the same access or refresh token hash", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    expect((await rejectionOf(seedSession(user.id, { tokenHash: session.tokenHash }))).code).toBe("conflict");
    expect((await rejectionOf(seedSession(user.id, { refreshTokenHash: session.refreshTokenHash }))).name).toBe("ConflictError");
  });

  it("refuses a session for a user that does not exist with invalid_reference", async () => {
    const err = await seedSession("ausr_01h2xcejqtf2nbrexx3vqjhp41").then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe("invalid_reference");
    expect(err?.message).not.toMatch(/[0-9a-f]{64}/); // no token hash (bound parameter) in the text
  });
});

describe.skipIf(!isPostgres)(`sessions store under concurrency (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  it("lets exactly one of 20 concurrent rotations of one refresh token win", async () => {
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    const stores = Array.from({ length: 20 }, () => postgresStore(s.t.newPool(1).db, testStoreOptions));
    const results = await Promise.all(stores.map((store) => store.sessions.rotate(scopeOf(tenant), rotation(session))));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const current = await s.store.sessions.findById(scopeOf(tenant), session.id);
    expect(current?.refreshTokenHash).toBe(winners[0]?.refreshTokenHash);
    expect((await s.store.revokedRefreshTokens.findByTokenHash(tenant.app.id, session.refreshTokenHash))?.reason).toBe("rotated");
  });
});

describe.skipIf(!isPostgres)(`the session check as a prepared statement (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  const preparedOn = async (pool: { query(text: string): Promise<{ rows: Array<{ name: string }> }> }) =>
    (await pool.query("SELECT name FROM pg_prepared_statements")).rows.map((r) => r.name);

  it("is prepared once per connection by name, and unnamed with preparedStatements: false (for poolers)", async ({ skip }) => {
    // It reads pg_prepared_statements of one connection: session state, which a transaction pooler does not pair with
    // a client connection (another client's statements show up there). preparedStatements: false through PgBouncer is
    // what the rest of this project runs on, and test/store/postgres/pgbouncer.test.ts proves it.
    skip(viaPgBouncer, `asserts the named prepared statements of one server session; ${pgbouncerSkipNote}`);
    const user = await seedUser(s.store, tenant);
    const session = await seedSession(user.id);
    const named = s.t.newPool(1); // one connection: the catalog query below sees that connection's statements
    const store = postgresStore(named.db);
    for (let i = 0; i < 3; i++) expect((await store.sessions.findByTokenHash(session.tokenHash, now))?.session.id).toBe(session.id);
    const withEffects = (repos: typeof store) =>
      repos.sessions.create(
        { appId: tenant.app.id, envId: tenant.env.id, userId: user.id, tokenHash: fakeHash(), refreshTokenHash: fakeHash(), familyId: "fam_p", expiresAt: later(hour), refreshExpiresAt: later(2 * hour) },
        { audit: { type: "test.signed_in", ipAddress: "", userAgent: "", at: now } },
      );
    await withEffects(store);
    expect((await preparedOn(named.pool)).sort()).toEqual(["authsome_session_check", "authsome_session_create"]);

    const unnamed = s.t.newPool(1);
    const plain = postgresStore(unnamed.db, { preparedStatements: false });
    expect((await plain.sessions.findByTokenHash(session.tokenHash, now))?.user.id).toBe(user.id);
    expect(await plain.transaction((tx) => tx.sessions.findByTokenHash(session.tokenHash, now))).not.toBeNull();
    await withEffects(plain);
    expect(await preparedOn(unnamed.pool)).toEqual([]);
    await named.pool.end();
    await unnamed.pool.end();
  });
});
