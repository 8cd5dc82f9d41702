import { createEvents } from "../../../src/engine/events.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../../src/crypto/tokens.js";
import { resolveConfig } from "../../../src/engine/config.js";
import type { RequestMeta } from "../../../src/engine/request-meta.js";
import { createSessionService } from "../../../src/engine/services/sessions.js";
import type { StoreRepositories } from "../../../src/store/contract/index.js";
import { postgresStore } from "../../../src/store/postgres/store.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { createTestStore, rejectionOf, scopeOf, seedTenant, seedUser, servedAs, type Tenant, type TestStore } from "../../support/store.js";

let s: TestStore;
let tenant: Tenant;
const meta: RequestMeta = { ipAddress: "203.0.113.7", userAgent: "vitest" };
const config = resolveConfig({ development: true, session: { tokenTTL: "1h", refreshTokenTTL: "30d", refreshReuseGrace: 10 } });

/** A settable clock: expiry and the reuse grace are decided against it. */
function clock(start = new Date("2030-01-01T00:00:00Z")) {
  let current = start;
  return { now: () => current, advance: (seconds: number) => (current = new Date(current.getTime() + seconds * 1000)) };
}

function service(store: StoreRepositories = s.store, time = clock()) {
  return { time, sessions: createSessionService({ store, config, now: time.now, tenant: servedAs(tenant, config), events: createEvents({ store, now: time.now, tenant: servedAs(tenant, config) }) }) };
}

beforeAll(async () => {
  s = await createTestStore();
  tenant = await seedTenant(s.store);
});
afterAll(() => s.t.drop());

describe("session service", () => {
  it("issues opaque prefixed tokens and stores only their hashes", async () => {
    const { sessions } = service();
    const user = await seedUser(s.store, tenant);
    const issued = await sessions.issue(user, meta);
    expect(issued.sessionToken).toMatch(/^as_[A-Za-z0-9_-]{43}$/);
    expect(issued.refreshToken).toMatch(/^ar_[A-Za-z0-9_-]{43}$/);
    expect(issued.session.tokenHash).toBe(hashToken(issued.sessionToken));
    expect(issued.session.refreshTokenHash).toBe(hashToken(issued.refreshToken));
    expect(issued.session).toMatchObject({ ipAddress: meta.ipAddress, userAgent: meta.userAgent, userId: user.id });
    const rows = await s.t.query(`SELECT * FROM authsome_sessions WHERE id = $1`, [issued.session.id]);
    expect(JSON.stringify(rows)).not.toContain(issued.sessionToken);
    expect(JSON.stringify(rows)).not.toContain(issued.refreshToken);
  });

  it("checks a session token until it expires, and rejects malformed tokens without a query", async () => {
    const { sessions, time } = service();
    const user = await seedUser(s.store, tenant);
    const issued = await sessions.issue(user, meta);
    expect((await sessions.check(issued.sessionToken))?.user.id).toBe(user.id);
    s.t.counter.reset();
    expect(await sessions.check("as_short")).toBeNull();
    expect(await sessions.check(issued.refreshToken)).toBeNull(); // a refresh token is not an access token
    expect(s.t.counter.count).toBe(0);
    time.advance(3_600);
    expect(await sessions.check(issued.sessionToken)).toBeNull();
  });

  it("refreshes: new tokens work, the old access and refresh tokens stop working, the family is kept", async () => {
    const { sessions } = service();
    const user = await seedUser(s.store, tenant);
    const first = await sessions.issue(user, meta);
    const second = await sessions.refresh(first.refreshToken, meta);
    expect(second.session.id).toBe(first.session.id);
    expect(second.session.familyId).toBe(first.session.familyId);
    expect(second.sessionToken).not.toBe(first.sessionToken);
    expect(await sessions.check(first.sessionToken)).toBeNull();
    expect((await sessions.check(second.sessionToken))?.session.id).toBe(first.session.id);
  });

  it("answers a retired refresh token within the grace period as a lost race, revoking nothing", async () => {
    const { sessions, time } = service();
    const user = await seedUser(s.store, tenant);
    const first = await sessions.issue(user, meta);
    const second = await sessions.refresh(first.refreshToken, meta);
    time.advance(5);
    expect((await rejectionOf(sessions.refresh(first.refreshToken, meta))).code).toBe("invalid_refresh_token");
    expect((await sessions.check(second.sessionToken))?.session.id).toBe(first.session.id);
  });

  it("treats a retired refresh token after the grace period as a replay and revokes the whole family", async () => {
    const { sessions, time } = service();
    const user = await seedUser(s.store, tenant);
    const first = await sessions.issue(user, meta);
    const second = await sessions.refresh(first.refreshToken, meta);
    const third = await sessions.refresh(second.refreshToken, meta);
    const otherSignIn = await sessions.issue(user, meta);
    time.advance(60);
    const err = await rejectionOf(sessions.refresh(first.refreshToken, meta));
    expect(err.name).toBe("AuthenticationError");
    expect(err.code).toBe("refresh_token_reused");
    expect(await sessions.check(third.sessionToken)).toBeNull();
    expect((await sessions.check(otherSignIn.sessionToken))?.user.id).toBe(user.id); // another sign-in is untouched
    const reuseEvents = async () =>
      (await s.store.auditEvents.list(tenant.app.id, { type: "session.refresh_token_reused" })).items.filter(
        (e) => e.metadata.familyId === first.session.familyId,
      );
    expect(await reuseEvents()).toHaveLength(1);
    expect((await rejectionOf(sessions.refresh(first.refreshToken, meta))).code).toBe("refresh_token_reused");
    expect(await reuseEvents()).toHaveLength(1); // a replay storm of one token alerts once
    // The family's newest token was revoked with it, not rotated: presenting it is merely invalid.
    expect((await rejectionOf(sessions.refresh(third.refreshToken, meta))).code).toBe("invalid_refresh_token");
  });

  it("rejects unknown, malformed and expired refresh tokens with invalid_refresh_token", async () => {
    const { sessions, time } = service();
    const user = await seedUser(s.store, tenant);
    const issued = await sessions.issue(user, meta);
    expect((await rejectionOf(sessions.refresh(`ar_${"A".repeat(43)}`, meta))).code).toBe("invalid_refresh_token");
    expect((await rejectionOf(sessions.refresh("not-a-token", meta))).code).toBe("invalid_refresh_token");
    time.advance(30 * 86_400);
    expect((await rejectionOf(sessions.refresh(issued.refreshToken, meta))).code).toBe("invalid_refresh_token");
  });

  it("signs out: the access and the refresh token stop working", async () => {
    const { sessions } = service();
    const user = await seedUser(s.store, tenant);
    const issued = await sessions.issue(user, meta);
    await sessions.signOut(issued.session.id);
    expect(await sessions.check(issued.sessionToken)).toBeNull();
    // Signed out is not a replay: invalid, and no reuse alert.
    expect((await rejectionOf(sessions.refresh(issued.refreshToken, meta))).code).toBe("invalid_refresh_token");
    const alerts = await s.store.auditEvents.list(tenant.app.id, { type: "session.refresh_token_reused" });
    expect(alerts.items.filter((e) => e.metadata.familyId === issued.session.familyId)).toEqual([]);
  });

  it("lists, revokes one (own only) and revokes the others", async () => {
    const { sessions } = service();
    const user = await seedUser(s.store, tenant);
    const stranger = await seedUser(s.store, tenant);
    const current = await sessions.issue(user, meta);
    const a = await sessions.issue(user, meta);
    await sessions.issue(user, meta);
    const theirs = await sessions.issue(stranger, meta);
    expect((await sessions.list(user.id)).items).toHaveLength(3);
    expect((await rejectionOf(sessions.revoke(user.id, theirs.session.id))).code).toBe("not_found");
    await sessions.revoke(user.id, a.session.id);
    expect(await sessions.check(a.sessionToken)).toBeNull();
    expect(await sessions.revokeOthers(user.id, current.session.id)).toBe(1);
    expect((await sessions.list(user.id)).items.map((x) => x.id)).toEqual([current.session.id]);
    expect(await sessions.check(theirs.sessionToken)).not.toBeNull();
  });

  it("purges expired sessions", async () => {
    const { sessions, time } = service();
    const user = await seedUser(s.store, tenant);
    const issued = await sessions.issue(user, meta);
    time.advance(31 * 86_400);
    const purged = await sessions.purgeExpired();
    expect(purged.sessions).toBeGreaterThanOrEqual(1);
    expect(await s.store.sessions.findById(scopeOf(tenant), issued.session.id)).toBeNull();
  });
});

describe.skipIf(!isPostgres)(`session refresh races (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  it("lets exactly one of 20 concurrent refreshes win; the losers get invalid_refresh_token and the family survives", async () => {
    const time = clock();
    const user = await seedUser(s.store, tenant);
    const first = await service(s.store, time).sessions.issue(user, meta);
    const services = Array.from({ length: 20 }, () => service(postgresStore(s.t.newPool(1).db), time).sessions);
    const outcomes = await Promise.allSettled(services.map((x) => x.refresh(first.refreshToken, meta)));
    const winners = outcomes.filter((o) => o.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect((o.reason as { code?: string }).code).toBe("invalid_refresh_token");
    const winner = (winners[0] as PromiseFulfilledResult<{ sessionToken: string }>).value;
    expect((await service(s.store, time).sessions.check(winner.sessionToken))?.user.id).toBe(user.id);
  });
});
