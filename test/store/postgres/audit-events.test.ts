import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent, AuditEventFilter, NewAuditEvent, Page } from "../../../src/store/contract/index.js";
import type { PostgresStore } from "../../../src/store/postgres/store.js";
import type { TestDatabase } from "../../support/database.js";
import { createTestStore, fixedNow, rejectionOf, seedTenant, seedUser, type Tenant } from "../../support/store.js";

let t: TestDatabase;
let store: PostgresStore;

beforeAll(async () => {
  ({ t, store } = await createTestStore());
});
afterAll(() => t.drop());

function append(tenant: Tenant, overrides: Partial<NewAuditEvent> = {}) {
  return store.auditEvents.append({ appId: tenant.app.id, envId: tenant.env.id, type: "user.signed_in", createdAt: fixedNow, ...overrides });
}

async function listAll(appId: string, filter: AuditEventFilter, limit: number) {
  const pages: Page<AuditEvent>[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<AuditEvent> = await store.auditEvents.list(appId, filter, { limit, cursor });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return pages;
}

describe("auditEvents.append", () => {
  it("stores an event with a generated id and defaults", async () => {
    const tenant = await seedTenant(store);
    const user = await seedUser(store, tenant);
    const event = await append(tenant, { userId: user.id, ipAddress: "203.0.113.7", metadata: { method: "password" } });
    expect(event.id).toMatch(/^aaud_/);
    expect(event).toMatchObject({
      appId: tenant.app.id,
      envId: tenant.env.id,
      userId: user.id,
      type: "user.signed_in",
      ipAddress: "203.0.113.7",
      userAgent: "",
      metadata: { method: "password" },
    });
    expect(event.createdAt).toEqual(fixedNow);
  });

  it("keeps a given createdAt", async () => {
    const tenant = await seedTenant(store);
    const createdAt = new Date("2029-05-04T03:02:01.000Z");
    expect((await append(tenant, { createdAt })).createdAt).toEqual(createdAt);
  });

  it("writes an event in one statement, and stores a NUL in its metadata as invalid_value, not a driver error", async () => {
    const tenant = await seedTenant(store);
    t.counter.reset();
    await append(tenant, { type: "user.counted" });
    expect(t.counter.count).toBe(1);
    const err = await rejectionOf(append(tenant, { metadata: { bad: "nul\u0000byte" } }));
    expect(err).toMatchObject({ name: "ValidationError", code: "invalid_value" });
    expect(err.message).not.toContain("nul");
  });

  it("refuses an unknown user with invalid_reference", async () => {
    const tenant = await seedTenant(store);
    const err = await rejectionOf(append(tenant, { userId: "ausr_01h455vb4pex5vsknk084sn02q" }));
    expect(err).toMatchObject({ name: "ValidationError", code: "invalid_reference" });
  });
});

describe("auditEvents.list", () => {
  it("walks an app's 25 events newest first in pages of 10, 10 and 5, each event exactly once", async () => {
    const tenant = await seedTenant(store);
    const other = await seedTenant(store);
    const appended: AuditEvent[] = [];
    for (let i = 0; i < 25; i++) appended.push(await append(tenant, { metadata: { i } }));
    await append(other);

    const pages = await listAll(tenant.app.id, {}, 10);
    expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5]);
    const ids = pages.flatMap((p) => p.items.map((e) => e.id));
    expect(new Set(ids).size).toBe(25);
    expect(ids).toEqual(appended.map((e) => e.id).reverse());
  });

  it("filters by user, by type, and by both", async () => {
    const tenant = await seedTenant(store);
    const alice = await seedUser(store, tenant);
    const bob = await seedUser(store, tenant);
    const aliceIn = await append(tenant, { userId: alice.id, type: "user.signed_in" });
    const aliceOut = await append(tenant, { userId: alice.id, type: "user.signed_out" });
    const bobIn = await append(tenant, { userId: bob.id, type: "user.signed_in" });
    const anonymous = await append(tenant, { type: "user.signed_in" });
    const ids = (page: Page<AuditEvent>) => page.items.map((e) => e.id);

    expect(ids(await store.auditEvents.list(tenant.app.id, { userId: alice.id }))).toEqual([aliceOut.id, aliceIn.id]);
    expect(ids(await store.auditEvents.list(tenant.app.id, { type: "user.signed_in" }))).toEqual([
      anonymous.id,
      bobIn.id,
      aliceIn.id,
    ]);
    expect(
      ids(await store.auditEvents.list(tenant.app.id, { userId: alice.id, type: "user.signed_out" })),
    ).toEqual([aliceOut.id]);
  });

  it("paginates within a filter", async () => {
    const tenant = await seedTenant(store);
    const user = await seedUser(store, tenant);
    const mine: AuditEvent[] = [];
    for (let i = 0; i < 7; i++) {
      mine.push(await append(tenant, { userId: user.id }));
      await append(tenant);
    }
    const pages = await listAll(tenant.app.id, { userId: user.id }, 3);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.items.map((e) => e.id))).toEqual(mine.map((e) => e.id).reverse());
  });

  it("returns an empty page without a cursor for an app with no events", async () => {
    const tenant = await seedTenant(store);
    expect(await store.auditEvents.list(tenant.app.id)).toEqual({ items: [], nextCursor: null });
  });

  it("rejects a malformed cursor with invalid_cursor", async () => {
    const tenant = await seedTenant(store);
    const err = await rejectionOf(store.auditEvents.list(tenant.app.id, {}, { cursor: "not-a-cursor" }));
    expect(err).toMatchObject({ name: "ValidationError", code: "invalid_cursor" });
  });
});
