import { describe, expect, it } from "vitest";
import type { Ceremony } from "../../../src/store/contract.js";
import { postgresStore } from "../../../src/store/postgres/store.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { fakeHash, fixedNow, rejectionOf, secondsAfterFixedNow, useSeededStore } from "../../support/store.js";

const now = fixedNow;
const at = secondsAfterFixedNow;

const s = useSeededStore();

async function putCeremony(overrides: Partial<Ceremony> = {}): Promise<Ceremony> {
  const ceremony: Ceremony = {
    keyHash: fakeHash(),
    kind: "oauth_state",
    appId: s.tenant.app.id,
    payload: { provider: "github", codeVerifier: "v3r1f13r", redirect: { to: "/home" } },
    expiresAt: at(600),
    ...overrides,
  };
  await s.store.ceremonies.put(ceremony);
  return ceremony;
}

describe("ceremonies.put and consume", () => {
  it("returns the stored ceremony, payload intact, to the first consumer and null to the second", async () => {
    const ceremony = await putCeremony();
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "oauth_state", now)).toEqual(ceremony);
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "oauth_state", now)).toBeNull();
  });

  it("stores a ceremony that belongs to no app", async () => {
    const ceremony = await putCeremony({ appId: null, kind: "mfa_ticket", payload: {} });
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "mfa_ticket", now)).toEqual(ceremony);
  });

  it("returns null for a kind mismatch and leaves the ceremony for its own kind", async () => {
    const ceremony = await putCeremony({ kind: "webauthn_challenge" });
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "oauth_state", now)).toBeNull();
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "webauthn_challenge", now)).toEqual(ceremony);
  });

  it("refuses a now at or after expires_at without consuming, and succeeds with a now before it", async () => {
    const ceremony = await putCeremony({ expiresAt: at(60) });
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "oauth_state", at(61))).toBeNull();
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "oauth_state", at(60))).toBeNull();
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "oauth_state", at(59))).toEqual(ceremony);
  });

  it("returns null for an unknown key hash", async () => {
    expect(await s.store.ceremonies.consume(fakeHash(), "oauth_state", now)).toBeNull();
  });

  it("refuses a second ceremony under the same key hash with ConflictError conflict", async () => {
    const ceremony = await putCeremony();
    const err = await rejectionOf(s.store.ceremonies.put({ ...ceremony, kind: "mfa_ticket" }));
    expect(err).toMatchObject({ name: "ConflictError", code: "conflict" });
    expect(await s.store.ceremonies.consume(ceremony.keyHash, "oauth_state", now)).toEqual(ceremony);
  });
});

describe("ceremonies.purgeExpired", () => {
  it("deletes the ceremonies expired at now, returns how many, and keeps the unexpired ones", async () => {
    // A clock of its own (1990s), so ceremonies of the other tests (2030) are not expired at this now.
    const purgeNow = new Date("1990-06-01T00:00:00.000Z");
    await putCeremony({ expiresAt: new Date("1990-01-01T00:00:00.000Z") });
    await putCeremony({ expiresAt: purgeNow, appId: null });
    const live = await putCeremony({ expiresAt: new Date("1990-06-01T00:00:01.000Z") });

    expect(await s.store.ceremonies.purgeExpired(purgeNow)).toBe(2);
    expect(await s.store.ceremonies.purgeExpired(purgeNow)).toBe(0);
    expect(await s.store.ceremonies.consume(live.keyHash, "oauth_state", new Date("1990-01-01T00:00:00.000Z"))).toEqual(live);
  });
});

describe.skipIf(!isPostgres)(`ceremonies.consume under concurrency (${pgliteSkipReason})`, () => {
  it("hands a ceremony to exactly one of 20 concurrent consumers, each on its own pool", async () => {
    const ceremony = await putCeremony();
    const consumers = Array.from({ length: 20 }, () => s.t.newPool(1));
    try {
      // Open every connection first, so the consumes race each other rather than the connection handshakes.
      await Promise.all(consumers.map(({ pool }) => pool.query("SELECT 1")));
      const results = await Promise.all(
        consumers.map(({ db }) => postgresStore(db).ceremonies.consume(ceremony.keyHash, "oauth_state", now)),
      );
      expect(results.filter((r) => r !== null)).toEqual([ceremony]);
    } finally {
      await Promise.all(consumers.map(({ pool }) => pool.end()));
    }
  });
});
