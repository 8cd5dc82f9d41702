import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore, type PostgresStore } from "../../../src/store/postgres/store.js";
import { isPostgres, pgliteSkipReason, type TestDatabase } from "../../support/database.js";
import { createTestStore, rejectionOf, testStoreOptions } from "../../support/store.js";

// Every window is decided against the `now` passed in; these tests run on a fixed clock far from the real one.
const now = new Date("2030-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const newKey = () => `signin:ip:${randomBytes(6).toString("hex")}`;

let t: TestDatabase;
let store: PostgresStore;

beforeAll(async () => {
  ({ t, store } = await createTestStore());
});
afterAll(() => t.drop());

describe("rateLimits.hit", () => {
  it("opens a window at the first hit with count 1 and resetAt now + windowSeconds", async () => {
    expect(await store.rateLimits.hit(newKey(), 60, now)).toEqual({ count: 1, resetAt: at(60) });
  });

  it("counts further hits within the window without moving its end", async () => {
    const key = newKey();
    await store.rateLimits.hit(key, 60, now);
    expect(await store.rateLimits.hit(key, 60, at(10))).toEqual({ count: 2, resetAt: at(60) });
    expect(await store.rateLimits.hit(key, 60, at(59))).toEqual({ count: 3, resetAt: at(60) });
  });

  it("restarts the window at count 1 once the stored one has ended (at resetAt or later)", async () => {
    const key = newKey();
    await store.rateLimits.hit(key, 60, now);
    await store.rateLimits.hit(key, 60, at(1));
    expect(await store.rateLimits.hit(key, 60, at(60))).toEqual({ count: 1, resetAt: at(120) });
    expect(await store.rateLimits.hit(key, 60, at(61))).toEqual({ count: 2, resetAt: at(120) });
    expect(await store.rateLimits.hit(key, 30, at(500))).toEqual({ count: 1, resetAt: at(530) });
  });

  it("keeps separate counts per key", async () => {
    const a = newKey();
    const b = newKey();
    await store.rateLimits.hit(a, 60, now);
    await store.rateLimits.hit(a, 60, now);
    expect((await store.rateLimits.hit(b, 60, now)).count).toBe(1);
    expect((await store.rateLimits.hit(a, 60, now)).count).toBe(3);
  });

  it.each([0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "rejects windowSeconds %s as a programming error (AuthsomeError invalid_argument, not a request error) and counts nothing",
    async (windowSeconds) => {
      const key = newKey();
      const err = await rejectionOf(store.rateLimits.hit(key, windowSeconds, now));
      expect(err).toMatchObject({ name: "AuthsomeError", code: "invalid_argument" });
      expect(err.details).toBeUndefined();
      expect(await store.rateLimits.findByKey(key, now)).toBeNull();
    },
  );
});

describe("rateLimits.findByKey", () => {
  it("returns the current window's state without counting a hit", async () => {
    const key = newKey();
    await store.rateLimits.hit(key, 60, now);
    await store.rateLimits.hit(key, 60, now);
    expect(await store.rateLimits.findByKey(key, at(30))).toEqual({ count: 2, resetAt: at(60) });
    expect(await store.rateLimits.findByKey(key, at(30))).toEqual({ count: 2, resetAt: at(60) });
  });

  it("returns null for a key never hit", async () => {
    expect(await store.rateLimits.findByKey(newKey(), now)).toBeNull();
  });

  it("returns null once the window has ended at the given now", async () => {
    const key = newKey();
    await store.rateLimits.hit(key, 60, now);
    expect(await store.rateLimits.findByKey(key, at(59))).not.toBeNull();
    expect(await store.rateLimits.findByKey(key, at(60))).toBeNull();
  });
});

describe("rateLimits.reset", () => {
  it("forgets a key, so the next hit starts a new window at count 1", async () => {
    const key = newKey();
    const other = newKey();
    await store.rateLimits.hit(key, 60, now);
    await store.rateLimits.hit(key, 60, now);
    await store.rateLimits.hit(other, 60, now);
    expect(await store.rateLimits.reset(key)).toBe(1);
    expect(await store.rateLimits.findByKey(key, now)).toBeNull();
    expect(await store.rateLimits.hit(key, 60, at(5))).toEqual({ count: 1, resetAt: at(65) });
    expect((await store.rateLimits.findByKey(other, now))?.count).toBe(1);
  });

  it("does nothing for an unknown key, and says so (0 rows)", async () => {
    const key = newKey();
    expect(await store.rateLimits.reset(key)).toBe(0);
    expect(await store.rateLimits.findByKey(key, now)).toBeNull();
  });
});

describe("rateLimits.purgeExpired", () => {
  it("deletes the windows ended at now, returns how many, and keeps open ones", async () => {
    // A clock of its own (1990s), so windows of the other tests (2030) are still open at this now.
    const purgeNow = new Date("1990-06-01T00:00:00.000Z");
    const oldKey = newKey();
    const endingKey = newKey();
    const openKey = newKey();
    await store.rateLimits.hit(oldKey, 60, new Date("1990-01-01T00:00:00.000Z"));
    await store.rateLimits.hit(endingKey, 60, new Date(purgeNow.getTime() - 60_000));
    await store.rateLimits.hit(openKey, 60, new Date(purgeNow.getTime() - 59_000));

    expect(await store.rateLimits.purgeExpired(purgeNow)).toBe(2);
    expect(await store.rateLimits.purgeExpired(purgeNow)).toBe(0);
    const keys = await t.query<{ key: string }>("SELECT key FROM authsome_rate_limits WHERE key = ANY($1)", [
      [oldKey, endingKey, openKey],
    ]);
    expect(keys.map((r) => r.key)).toEqual([openKey]);
  });
});

describe.skipIf(!isPostgres)(`rateLimits.hit under concurrency (${pgliteSkipReason})`, () => {
  it("counts 50 concurrent hits on one key exactly, each caller seeing a distinct count from 1 to 50", async () => {
    const key = newKey();
    // 10 pools of 3 connections: 30 statements in flight at once, without exhausting the server's connections.
    const pools = Array.from({ length: 10 }, () => t.newPool(3));
    try {
      // Open every connection first, so the hits race each other rather than the connection handshakes.
      await Promise.all(pools.flatMap(({ pool }) => [1, 2, 3].map(() => pool.query("SELECT 1"))));
      const stores = pools.map(({ db }) => postgresStore(db, testStoreOptions));
      const states = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.rateLimits.hit(key, 60, now)),
      );
      expect(states.map((s) => s.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(states.every((s) => s.resetAt.getTime() === at(60).getTime())).toBe(true);
      expect(await store.rateLimits.findByKey(key, now)).toEqual({ count: 50, resetAt: at(60) });
    } finally {
      await Promise.all(pools.map(({ pool }) => pool.end()));
    }
  });
});
