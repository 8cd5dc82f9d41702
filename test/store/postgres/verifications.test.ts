import { describe, expect, it } from "vitest";
import type { NewVerification } from "../../../src/store/contract/index.js";
import { fakeHash, fixedNow, scopeOf, secondsAfterFixedNow, seedTenant, seedUser, useSeededStore } from "../../support/store.js";

const now = fixedNow;
const at = secondsAfterFixedNow;

const s = useSeededStore();
const scope = () => scopeOf(s.tenant);

async function newVerification(overrides: Partial<NewVerification> = {}) {
  const userId = overrides.userId ?? (await seedUser(s.store, s.tenant)).id;
  return s.store.verifications.create({
    appId: s.tenant.app.id,
    envId: s.tenant.env.id,
    userId,
    type: "email",
    tokenHash: fakeHash(),
    codeHash: fakeHash(),
    expiresAt: at(600),
    ...overrides,
  });
}

describe("verifications.create", () => {
  it("stores an unconsumed verification with a generated id and no attempts", async () => {
    const tokenHash = fakeHash();
    const created = await newVerification({ tokenHash });
    expect(created.id).toMatch(/^avrf_/);
    expect(created).toMatchObject({ tokenHash, attempts: 0, consumedAt: null, expiresAt: at(600), type: "email" });
    expect(created.createdAt).toBeInstanceOf(Date);
  });
});

describe("verifications.findActiveByTokenHash", () => {
  it("finds an open verification by its token hash", async () => {
    const created = await newVerification();
    expect(await s.store.verifications.findActiveByTokenHash(scope(), created.tokenHash, now)).toEqual(created);
  });

  it("returns null for an unknown token hash", async () => {
    expect(await s.store.verifications.findActiveByTokenHash(scope(), fakeHash(), now)).toBeNull();
  });

  it("decides expiry against the given now: found just before expires_at, null at and after it", async () => {
    const created = await newVerification({ expiresAt: at(60) });
    expect(await s.store.verifications.findActiveByTokenHash(scope(), created.tokenHash, at(59))).not.toBeNull();
    expect(await s.store.verifications.findActiveByTokenHash(scope(), created.tokenHash, at(60))).toBeNull();
    expect(await s.store.verifications.findActiveByTokenHash(scope(), created.tokenHash, at(3600))).toBeNull();
  });

  it("returns null once the verification is consumed", async () => {
    const created = await newVerification();
    await s.store.verifications.consume(scope(), created.id, now);
    expect(await s.store.verifications.findActiveByTokenHash(scope(), created.tokenHash, now)).toBeNull();
  });
});

describe("verifications.findActiveByUser", () => {
  it("returns the user's newest open verification of the requested type", async () => {
    const user = await seedUser(s.store, s.tenant);
    await newVerification({ userId: user.id });
    const newest = await newVerification({ userId: user.id });
    await newVerification({ userId: user.id, type: "phone" });
    const found = await s.store.verifications.findActiveByUser(user.id, "email", now);
    expect(found?.id).toBe(newest.id);
  });

  it("skips consumed and expired verifications", async () => {
    const user = await seedUser(s.store, s.tenant);
    const open = await newVerification({ userId: user.id });
    const consumed = await newVerification({ userId: user.id });
    await s.store.verifications.consume(scope(), consumed.id, now);
    await newVerification({ userId: user.id, expiresAt: at(-1) });
    expect((await s.store.verifications.findActiveByUser(user.id, "email", now))?.id).toBe(open.id);
  });

  it("returns null when the user has no open verification of that type", async () => {
    const user = await seedUser(s.store, s.tenant);
    await newVerification({ userId: user.id, type: "magic_link" });
    expect(await s.store.verifications.findActiveByUser(user.id, "phone", now)).toBeNull();
  });
});

describe("verifications.findActiveByEmail", () => {
  it("returns the tenant's live user of the address with its newest active verification, in one statement", async () => {
    const user = await seedUser(s.store, s.tenant, { email: "verify-me@example.com" });
    await newVerification({ userId: user.id });
    const newest = await newVerification({ userId: user.id });
    s.t.counter.reset();
    const found = await s.store.verifications.findActiveByEmail(scope(), " Verify-Me@example.com", "email", now);
    expect(s.t.counter.count).toBe(1);
    expect(found).toEqual({ user, verification: newest });
  });

  it("returns the user with a null verification when none is active, and null for an unknown address", async () => {
    const user = await seedUser(s.store, s.tenant);
    expect(await s.store.verifications.findActiveByEmail(scope(), user.email, "email", now)).toEqual({ user, verification: null });
    expect(await s.store.verifications.findActiveByEmail(scope(), "nobody@example.com", "email", now)).toBeNull();
  });
});

describe("verifications of another tenant", () => {
  it("are unknown to every scoped method, and neither consumed nor counted", async () => {
    const created = await newVerification();
    const other = scopeOf(await seedTenant(s.store));
    const owner = await s.t.query<{ email: string }>("SELECT email FROM authsome_users WHERE id = $1", [created.userId]);
    expect(await s.store.verifications.findActiveByTokenHash(other, created.tokenHash, now)).toBeNull();
    expect(await s.store.verifications.findActiveByEmail(other, owner[0]!.email, "email", now)).toBeNull();
    expect(await s.store.verifications.reserveAttempt(other, created.id, 5, now)).toBeNull();
    expect(await s.store.verifications.consume(other, created.id, now)).toBe(false);
    expect(await s.store.verifications.findActiveByTokenHash(scope(), created.tokenHash, now)).toEqual(created);
  });
});

describe("verifications.reserveAttempt", () => {
  it("counts each attempt and returns the new count while attempts are left", async () => {
    const created = await newVerification();
    expect(await s.store.verifications.reserveAttempt(scope(), created.id, 5, now)).toBe(1);
    expect(await s.store.verifications.reserveAttempt(scope(), created.id, 5, now)).toBe(2);
    expect(await s.store.verifications.reserveAttempt(scope(), created.id, 5, now)).toBe(3);
    expect((await s.store.verifications.findActiveByTokenHash(scope(), created.tokenHash, now))?.attempts).toBe(3);
  });

  it("hands out at most maxAttempts attempts, however many callers ask at once", async () => {
    const created = await newVerification();
    const counts = await Promise.all(Array.from({ length: 10 }, () => s.store.verifications.reserveAttempt(scope(), created.id, 5, now)));
    expect(counts.filter((n) => n !== null).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(counts.filter((n) => n === null)).toHaveLength(5);
  });

  it("returns null for a consumed, expired or unknown verification", async () => {
    const consumed = await newVerification();
    await s.store.verifications.consume(scope(), consumed.id, now);
    expect(await s.store.verifications.reserveAttempt(scope(), consumed.id, 5, now)).toBeNull();
    const expired = await newVerification();
    expect(await s.store.verifications.reserveAttempt(scope(), expired.id, 5, expired.expiresAt)).toBeNull();
    expect(await s.store.verifications.reserveAttempt(scope(), "avrf_01h455vb4pex5vsknk084sn02q", 5, now)).toBeNull();
  });
});

describe("verifications.consume", () => {
  it("consumes a verification once: the second call returns false", async () => {
    const created = await newVerification();
    expect(await s.store.verifications.consume(scope(), created.id, now)).toBe(true);
    expect(await s.store.verifications.consume(scope(), created.id, now)).toBe(false);
  });

  it("refuses a now at or after expires_at without consuming, and succeeds with a now before it", async () => {
    const created = await newVerification({ expiresAt: at(60) });
    expect(await s.store.verifications.consume(scope(), created.id, at(61))).toBe(false);
    expect(await s.store.verifications.consume(scope(), created.id, at(60))).toBe(false);
    expect(await s.store.verifications.consume(scope(), created.id, at(59))).toBe(true);
  });

  it("returns false for an unknown id", async () => {
    expect(await s.store.verifications.consume(scope(), "avrf_01h455vb4pex5vsknk084sn02q", now)).toBe(false);
  });
});

describe("verifications.consumeAllForUser", () => {
  it("consumes every open verification of the type for the user and returns how many", async () => {
    const user = await seedUser(s.store, s.tenant);
    const other = await seedUser(s.store, s.tenant);
    const a = await newVerification({ userId: user.id });
    const b = await newVerification({ userId: user.id });
    const phone = await newVerification({ userId: user.id, type: "phone" });
    const consumed = await newVerification({ userId: user.id });
    await s.store.verifications.consume(scope(), consumed.id, now);
    await newVerification({ userId: user.id, expiresAt: at(-60) });
    const othersOwn = await newVerification({ userId: other.id });

    expect(await s.store.verifications.consumeAllForUser(user.id, "email", now)).toBe(2);
    expect(await s.store.verifications.findActiveByTokenHash(scope(), a.tokenHash, now)).toBeNull();
    expect(await s.store.verifications.findActiveByTokenHash(scope(), b.tokenHash, now)).toBeNull();
    expect(await s.store.verifications.findActiveByTokenHash(scope(), phone.tokenHash, now)).not.toBeNull();
    expect(await s.store.verifications.findActiveByTokenHash(scope(), othersOwn.tokenHash, now)).not.toBeNull();
    expect(await s.store.verifications.consumeAllForUser(user.id, "email", now)).toBe(0);
  });
});

describe("verifications.purgeExpired", () => {
  it("deletes the verifications expired at now, returns how many, and keeps the unexpired ones", async () => {
    // A clock of its own (1990s), so rows of the other tests (2030) are not expired at this now.
    const purgeNow = new Date("1990-06-01T00:00:00.000Z");
    const user = await seedUser(s.store, s.tenant);
    const expired = [
      await newVerification({ userId: user.id, expiresAt: new Date("1990-01-01T00:00:00.000Z") }),
      await newVerification({ userId: user.id, expiresAt: purgeNow }),
    ];
    const live = await newVerification({ userId: user.id, expiresAt: new Date("1990-06-01T00:00:01.000Z") });

    expect(await s.store.verifications.purgeExpired(purgeNow)).toBe(2);
    expect(await s.store.verifications.purgeExpired(purgeNow)).toBe(0);
    const ids = (await s.t.query<{ id: string }>("SELECT id FROM authsome_verifications WHERE user_id = $1", [user.id])).map(
      (r) => r.id,
    );
    expect(ids).toEqual([live.id]);
    expect(ids).not.toContain(expired[0]?.id);
  });
});
