import { describe, expect, it } from "vitest";
import type { NewPasswordReset } from "../../../src/store/contract/index.js";
import { postgresStore } from "../../../src/store/postgres/store.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { fakeHash, fixedNow, rejectionOf, scopeOf, secondsAfterFixedNow, seedTenant, seedUser, testStoreOptions, useSeededStore } from "../../support/store.js";

const now = fixedNow;
const at = secondsAfterFixedNow;

const s = useSeededStore();

async function newReset(overrides: Partial<NewPasswordReset> = {}) {
  const userId = overrides.userId ?? (await seedUser(s.store, s.tenant)).id;
  return s.store.passwordResets.create({
    appId: s.tenant.app.id,
    envId: s.tenant.env.id,
    userId,
    tokenHash: fakeHash(),
    expiresAt: at(3600),
    ...overrides,
  });
}

describe("passwordResets.create", () => {
  it("stores an unconsumed reset with a generated id", async () => {
    const tokenHash = fakeHash();
    const created = await newReset({ tokenHash });
    expect(created.id).toMatch(/^apwr_/);
    expect(created).toMatchObject({ tokenHash, consumedAt: null, expiresAt: at(3600) });
  });

  it("refuses a second reset with the same token hash", async () => {
    const created = await newReset();
    const err = await rejectionOf(newReset({ tokenHash: created.tokenHash }));
    expect(err).toMatchObject({ name: "ConflictError", code: "conflict" });
  });
});

describe("passwordResets.consume", () => {
  it("returns the reset, marked consumed at now, to the first caller and null to the second", async () => {
    const created = await newReset();
    const consumed = await s.store.passwordResets.consume(scopeOf(s.tenant), created.tokenHash, now);
    expect(consumed).toEqual({ ...created, consumedAt: now });
    expect(await s.store.passwordResets.consume(scopeOf(s.tenant), created.tokenHash, now)).toBeNull();
  });

  it("refuses a now at or after expires_at without consuming, and succeeds with a now before it", async () => {
    const created = await newReset({ expiresAt: at(60) });
    expect(await s.store.passwordResets.consume(scopeOf(s.tenant), created.tokenHash, at(120))).toBeNull();
    expect(await s.store.passwordResets.consume(scopeOf(s.tenant), created.tokenHash, at(60))).toBeNull();
    expect((await s.store.passwordResets.consume(scopeOf(s.tenant), created.tokenHash, at(59)))?.id).toBe(created.id);
  });

  it("returns null for an unknown token hash", async () => {
    expect(await s.store.passwordResets.consume(scopeOf(s.tenant), fakeHash(), now)).toBeNull();
  });

  it("leaves another tenant's reset (another app, or another environment of the app) unconsumed and reports it unknown", async () => {
    const created = await newReset();
    const staging = await s.store.environments.create({ appId: s.tenant.app.id, name: "Staging", slug: "staging", type: "staging" });
    expect(await s.store.passwordResets.consume(scopeOf(await seedTenant(s.store)), created.tokenHash, now)).toBeNull();
    expect(await s.store.passwordResets.consume({ appId: s.tenant.app.id, envId: staging.id }, created.tokenHash, now)).toBeNull();
    expect((await s.store.passwordResets.consume(scopeOf(s.tenant), created.tokenHash, now))?.id).toBe(created.id);
  });
});

describe("passwordResets.consumeAllForUser", () => {
  it("invalidates every open reset of the user, returns how many, and leaves other users' resets open", async () => {
    const user = await seedUser(s.store, s.tenant);
    const other = await seedUser(s.store, s.tenant);
    const a = await newReset({ userId: user.id });
    const b = await newReset({ userId: user.id });
    const used = await newReset({ userId: user.id });
    await s.store.passwordResets.consume(scopeOf(s.tenant), used.tokenHash, now);
    await newReset({ userId: user.id, expiresAt: at(-1) });
    const othersOwn = await newReset({ userId: other.id });

    expect(await s.store.passwordResets.consumeAllForUser(user.id, now)).toBe(2);
    expect(await s.store.passwordResets.consume(scopeOf(s.tenant), a.tokenHash, now)).toBeNull();
    expect(await s.store.passwordResets.consume(scopeOf(s.tenant), b.tokenHash, now)).toBeNull();
    expect(await s.store.passwordResets.consumeAllForUser(user.id, now)).toBe(0);
    expect((await s.store.passwordResets.consume(scopeOf(s.tenant), othersOwn.tokenHash, now))?.id).toBe(othersOwn.id);
  });
});

describe("passwordResets.purgeExpired", () => {
  it("deletes the resets expired at now, returns how many, and keeps the unexpired ones", async () => {
    // A clock of its own (1990s), so rows of the other tests (2030) are not expired at this now.
    const purgeNow = new Date("1990-06-01T00:00:00.000Z");
    const user = await seedUser(s.store, s.tenant);
    await newReset({ userId: user.id, expiresAt: new Date("1990-01-01T00:00:00.000Z") });
    await newReset({ userId: user.id, expiresAt: purgeNow });
    const live = await newReset({ userId: user.id, expiresAt: new Date("1990-06-01T00:00:01.000Z") });

    expect(await s.store.passwordResets.purgeExpired(purgeNow)).toBe(2);
    expect(await s.store.passwordResets.purgeExpired(purgeNow)).toBe(0);
    const rows = await s.t.query<{ id: string }>("SELECT id FROM authsome_password_resets WHERE user_id = $1", [user.id]);
    expect(rows.map((r) => r.id)).toEqual([live.id]);
  });
});

describe.skipIf(!isPostgres)(`passwordResets.consume under concurrency (${pgliteSkipReason})`, () => {
  it("hands the reset to exactly one of 20 concurrent callers on separate connections", async () => {
    const created = await newReset();
    const callers = Array.from({ length: 20 }, () => s.t.newPool(1));
    try {
      // Open every connection first, so the consumes race each other rather than the connection handshakes.
      await Promise.all(callers.map(({ pool }) => pool.query("SELECT 1")));
      const results = await Promise.all(
        callers.map(({ db }) => postgresStore(db, testStoreOptions).passwordResets.consume(scopeOf(s.tenant), created.tokenHash, now)),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.id).toBe(created.id);
    } finally {
      await Promise.all(callers.map(({ pool }) => pool.end()));
    }
  });
});
