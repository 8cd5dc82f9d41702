import { describe, expect, it } from "vitest";
import type { Ceremony, NewCeremony, TenantScope } from "../../../src/store/contract/index.js";
import { postgresStore } from "../../../src/store/postgres/store.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { fakeHash, fixedNow, rejectionOf, scopeOf, secondsAfterFixedNow, seedTenant, seedUser, testStoreOptions, useSeededStore } from "../../support/store.js";

const now = fixedNow;
const at = secondsAfterFixedNow;

const s = useSeededStore();
const scope = (): TenantScope => scopeOf(s.tenant);

async function putCeremony(overrides: Partial<NewCeremony> = {}): Promise<Ceremony> {
  const ceremony: NewCeremony = {
    keyHash: fakeHash(),
    kind: "oauth_state",
    ...scope(),
    payload: { provider: "github", codeVerifier: "v3r1f13r", redirect: { to: "/home" } },
    expiresAt: at(600),
    ...overrides,
  };
  await s.store.ceremonies.put(ceremony);
  return { ...ceremony, attempts: 0 };
}

describe("ceremonies.put and consume", () => {
  it("returns the stored ceremony, payload intact, to the first consumer and null to the second", async () => {
    const ceremony = await putCeremony();
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, now)).toEqual(ceremony);
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, now)).toBeNull();
  });

  it("returns null for a kind mismatch and leaves the ceremony for its own kind", async () => {
    const ceremony = await putCeremony({ kind: "webauthn_challenge" });
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, now)).toBeNull();
    expect(await s.store.ceremonies.consume(scope(), "webauthn_challenge", ceremony.keyHash, now)).toEqual(ceremony);
  });

  it("treats another tenant's ceremony as missing and does not burn it", async () => {
    const ceremony = await putCeremony();
    const other = await seedTenant(s.store);
    const staging = await s.store.environments.create({ appId: s.tenant.app.id, name: "Staging", slug: "staging", type: "staging" });
    expect(await s.store.ceremonies.consume(scopeOf(other), "oauth_state", ceremony.keyHash, now)).toBeNull();
    expect(await s.store.ceremonies.consume({ appId: s.tenant.app.id, envId: staging.id }, "oauth_state", ceremony.keyHash, now)).toBeNull();
    expect(await s.store.ceremonies.recordAttempt(scopeOf(other), "oauth_state", ceremony.keyHash, 5, now)).toBeNull();
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, now)).toEqual(ceremony);
  });

  it("refuses a now at or after expires_at without consuming, and succeeds with a now before it", async () => {
    const ceremony = await putCeremony({ expiresAt: at(60) });
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, at(61))).toBeNull();
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, at(60))).toBeNull();
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, at(59))).toEqual(ceremony);
  });

  it("returns null for an unknown key hash", async () => {
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", fakeHash(), now)).toBeNull();
  });

  it("refuses a second ceremony under the same key hash with ConflictError conflict", async () => {
    const ceremony = await putCeremony();
    const err = await rejectionOf(s.store.ceremonies.put({ ...ceremony, kind: "mfa_ticket" }));
    expect(err).toMatchObject({ name: "ConflictError", code: "conflict" });
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, now)).toEqual(ceremony);
  });
});

describe("ceremonies.recordAttempt", () => {
  it("counts answers up to maxAttempts, returning the ceremony with each new count, then null", async () => {
    const ceremony = await putCeremony({ kind: "signin:mfa" });
    for (let n = 1; n <= 3; n++) {
      expect(await s.store.ceremonies.recordAttempt(scope(), "signin:mfa", ceremony.keyHash, 3, now)).toEqual({
        ceremony: { ...ceremony, attempts: n },
        attempts: n,
      });
    }
    expect(await s.store.ceremonies.recordAttempt(scope(), "signin:mfa", ceremony.keyHash, 3, now)).toBeNull();
    // Out of attempts is not consumed: the count is kept, and consuming still hands it over once.
    expect(await s.store.ceremonies.consume(scope(), "signin:mfa", ceremony.keyHash, now)).toEqual({ ...ceremony, attempts: 3 });
  });

  it("answers null for an unknown, expired or other-kind ceremony, counting nothing", async () => {
    const ceremony = await putCeremony({ kind: "signin:mfa", expiresAt: at(60) });
    expect(await s.store.ceremonies.recordAttempt(scope(), "signin:mfa", fakeHash(), 5, now)).toBeNull();
    expect(await s.store.ceremonies.recordAttempt(scope(), "oauth_state", ceremony.keyHash, 5, now)).toBeNull();
    expect(await s.store.ceremonies.recordAttempt(scope(), "signin:mfa", ceremony.keyHash, 5, at(60))).toBeNull();
    expect(await s.store.ceremonies.consume(scope(), "signin:mfa", ceremony.keyHash, now)).toEqual(ceremony);
  });
});

describe("ceremonies.recordSignInAnswer and find", () => {
  const answer = (keyHash: string, overrides: Partial<Parameters<typeof s.store.ceremonies.recordSignInAnswer>[0]> = {}) =>
    s.store.ceremonies.recordSignInAnswer({ scope: scope(), kind: "signin:mfa", keyHash, purpose: null, maxAttempts: 3, now, ipLimit: null, accountWindowSeconds: 900, ...overrides });

  it("counts the ticket's and the account's answers and reads the live user, in one statement", async () => {
    const user = await seedUser(s.store, s.tenant);
    const answerKeys = { attempts: `signin-answers:${fakeHash()}`, lock: `signin-answers-lock:${fakeHash()}` };
    const accountKey = answerKeys.attempts;
    const ceremony = await putCeremony({ kind: "signin:mfa", payload: { userId: user.id, answerKeys, purpose: "challenge" } });
    s.t.counter.reset();
    const first = await answer(ceremony.keyHash, { purpose: "challenge" });
    expect(s.t.counter.count).toBe(1);
    expect(first.rateLimit).toBeNull();
    expect(first.ticket).toMatchObject({ attempts: 1, accountAttempts: 1, accountLockedUntil: null, user: { id: user.id, email: user.email }, ceremony: { kind: "signin:mfa", payload: { userId: user.id, answerKeys } } });
    // Another purpose finds nothing, and counts nothing.
    expect((await answer(ceremony.keyHash, { purpose: "enroll" })).ticket).toBeNull();
    expect((await answer(ceremony.keyHash))?.ticket?.accountAttempts).toBe(2);
    expect((await s.store.rateLimits.findByKey(accountKey, now))?.count).toBe(2);
    expect((await answer(ceremony.keyHash, { accountWindowSeconds: null }))?.ticket).toMatchObject({ attempts: 3, accountAttempts: null });
    expect((await answer(ceremony.keyHash)).ticket).toBeNull(); // out of answers
    expect((await s.store.rateLimits.findByKey(accountKey, now))?.count).toBe(2);
  });

  it("reads the account's answer lock and counts nothing on the account while it is set", async () => {
    const user = await seedUser(s.store, s.tenant);
    const answerKeys = { attempts: `signin-answers:${fakeHash()}`, lock: `signin-answers-lock:${fakeHash()}` };
    const ceremony = await putCeremony({ kind: "signin:mfa", payload: { userId: user.id, answerKeys } });
    await s.store.rateLimits.hit(answerKeys.lock, 3600, now);
    const locked = await answer(ceremony.keyHash);
    expect(locked.ticket?.accountLockedUntil).toEqual(at(3600));
    expect(locked.ticket?.accountAttempts).toBeNull();
    expect(await s.store.rateLimits.findByKey(answerKeys.attempts, now)).toBeNull();
  });

  it("over the IP limit touches nothing else; another tenant's, kind's or an expired ticket is not found", async () => {
    const user = await seedUser(s.store, s.tenant);
    const ceremony = await putCeremony({ kind: "signin:mfa", payload: { userId: user.id, accountKey: null } });
    const ipLimit = { key: `rl:test:${fakeHash()}`, limit: 1, windowSeconds: 60 };
    expect((await answer(ceremony.keyHash, { ipLimit })).rateLimit?.count).toBe(1);
    const over = await answer(ceremony.keyHash, { ipLimit });
    expect(over.rateLimit?.count).toBe(2);
    expect(over.ticket).toBeNull();
    const other = await seedTenant(s.store);
    expect((await answer(ceremony.keyHash, { scope: scopeOf(other) })).ticket).toBeNull();
    expect((await answer(ceremony.keyHash, { kind: "signin:other" })).ticket).toBeNull();
    expect((await answer(ceremony.keyHash, { now: at(600) })).ticket).toBeNull();
    expect(await s.store.ceremonies.find(scope(), "signin:mfa", ceremony.keyHash, now)).toMatchObject({ attempts: 1, payload: { userId: user.id } });
    expect(await s.store.ceremonies.find(scopeOf(other), "signin:mfa", ceremony.keyHash, now)).toBeNull();
  });

  it("reads no user for a deleted one", async () => {
    const user = await seedUser(s.store, s.tenant);
    await s.store.users.softDelete(scope(), user.id, now);
    const ceremony = await putCeremony({ kind: "signin:mfa", payload: { userId: user.id } });
    expect((await answer(ceremony.keyHash)).ticket).toMatchObject({ attempts: 1, accountAttempts: null, user: null });
  });
});

describe("ceremonies.purgeExpired", () => {
  it("deletes the ceremonies expired at now, returns how many, and keeps the unexpired ones", async () => {
    // A clock of its own (1990s), so ceremonies of the other tests (2030) are not expired at this now.
    const purgeNow = new Date("1990-06-01T00:00:00.000Z");
    await putCeremony({ expiresAt: new Date("1990-01-01T00:00:00.000Z") });
    await putCeremony({ expiresAt: purgeNow, kind: "mfa_ticket" });
    const live = await putCeremony({ expiresAt: new Date("1990-06-01T00:00:01.000Z") });

    expect(await s.store.ceremonies.purgeExpired(purgeNow)).toBe(2);
    expect(await s.store.ceremonies.purgeExpired(purgeNow)).toBe(0);
    expect(await s.store.ceremonies.consume(scope(), "oauth_state", live.keyHash, new Date("1990-01-01T00:00:00.000Z"))).toEqual(live);
  });
});

describe.skipIf(!isPostgres)(`ceremonies under concurrency (${pgliteSkipReason})`, () => {
  async function race<T>(run: (store: ReturnType<typeof postgresStore>) => Promise<T>): Promise<T[]> {
    const clients = Array.from({ length: 20 }, () => s.t.newPool(1));
    try {
      // Open every connection first, so the calls race each other rather than the connection handshakes.
      await Promise.all(clients.map(({ pool }) => pool.query("SELECT 1")));
      return await Promise.all(clients.map(({ db }) => run(postgresStore(db, testStoreOptions))));
    } finally {
      await Promise.all(clients.map(({ pool }) => pool.end()));
    }
  }

  it("hands a ceremony to exactly one of 20 concurrent consumers, each on its own pool", async () => {
    const ceremony = await putCeremony();
    const results = await race((store) => store.ceremonies.consume(scope(), "oauth_state", ceremony.keyHash, now));
    expect(results.filter((r) => r !== null)).toEqual([ceremony]);
  });

  it("counts at most maxAttempts of 20 concurrent attempts, each count exactly once", async () => {
    const ceremony = await putCeremony({ kind: "signin:mfa" });
    const results = await race((store) => store.ceremonies.recordAttempt(scope(), "signin:mfa", ceremony.keyHash, 5, now));
    const counted = results.filter((r) => r !== null).map((r) => r.attempts);
    expect(counted.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(await s.store.ceremonies.recordAttempt(scope(), "signin:mfa", ceremony.keyHash, 5, now)).toBeNull();
  });
});
