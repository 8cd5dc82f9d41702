import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../../src/schema/users.js";
import type { User } from "../../../src/store/contract/index.js";
import { createTestStore, fixedNow, rejectionOf, scopeOf, seedTenant, seedUser, type Tenant, type TestStore } from "../../support/store.js";

let s: TestStore;
let tenant: Tenant;

beforeAll(async () => {
  s = await createTestStore();
  tenant = await seedTenant(s.store);
});
afterAll(() => s.t.drop());

describe("users store", () => {
  it("creates a user with a TypeID, a normalised email and timestamps", async () => {
    const user = await seedUser(s.store, tenant, { email: "  Ada.Lovelace@Example.COM ", firstName: "Ada" });
    expect(user.id).toMatch(/^ausr_[0-9a-z]{26}$/);
    expect(user.email).toBe("ada.lovelace@example.com");
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(user.updatedAt).toBeInstanceOf(Date);
    expect(user.deletedAt).toBeNull();
    expect(user.metadata).toEqual({});
    expect(await s.store.users.findById(scopeOf(tenant), user.id)).toEqual(user);
  });

  it("finds by email case- and whitespace-insensitively, scoped to one app and environment", async () => {
    const other = await seedTenant(s.store);
    const here = await seedUser(s.store, tenant, { email: "scoped@example.com" });
    const there = await seedUser(s.store, other, { email: "scoped@example.com" });
    expect(here.id).not.toBe(there.id);
    expect((await s.store.users.findByEmail(scopeOf(tenant), " SCOPED@example.com"))?.id).toBe(here.id);
    expect((await s.store.users.findByEmail(scopeOf(other), "scoped@example.com"))?.id).toBe(there.id);
    const third = await seedTenant(s.store);
    expect(await s.store.users.findByEmail(scopeOf(third), "scoped@example.com")).toBeNull();
  });

  it("allows the same email in two environments of one app", async () => {
    const staging = await s.store.environments.create({ appId: tenant.app.id, name: "Staging", slug: "staging", type: "staging" });
    await seedUser(s.store, tenant, { email: "both@example.com" });
    const inStaging = await seedUser(s.store, { app: tenant.app, env: staging }, { email: "both@example.com" });
    expect((await s.store.users.findByEmail({ appId: tenant.app.id, envId: staging.id }, "both@example.com"))?.id).toBe(inStaging.id);
  });

  it("maps a duplicate email to email_taken and a duplicate username to username_taken, without echoing input", async () => {
    await seedUser(s.store, tenant, { email: "taken@example.com", username: "taken" });
    const email = await rejectionOf(seedUser(s.store, tenant, { email: "TAKEN@example.com " }));
    expect(email.name).toBe("ConflictError");
    expect(email.code).toBe("email_taken");
    expect(email.message).not.toContain("taken@example.com");
    const username = await rejectionOf(seedUser(s.store, tenant, { username: "taken" }));
    expect(username.code).toBe("username_taken");
  });

  it("lets any number of users have no username", async () => {
    await seedUser(s.store, tenant);
    await seedUser(s.store, tenant, { username: "" });
    expect(await s.store.users.findByUsername(scopeOf(tenant), "")).toBeNull();
  });

  it("finds by username", async () => {
    const user = await seedUser(s.store, tenant, { username: "grace" });
    expect((await s.store.users.findByUsername(scopeOf(tenant), " grace "))?.id).toBe(user.id);
  });

  it("updates fields, normalises a new email, sets updated_at to the caller's now and maps conflicts", async () => {
    const user = await seedUser(s.store, tenant);
    const updated = await s.store.users.update(scopeOf(tenant), user.id, {
      firstName: "Grace",
      email: " New.Address@Example.com",
      metadata: { plan: "pro" },
      banExpires: new Date("2030-01-01T00:00:00Z"),
    }, fixedNow);
    expect(updated.firstName).toBe("Grace");
    expect(updated.email).toBe("new.address@example.com");
    expect(updated.metadata).toEqual({ plan: "pro" });
    expect(updated.banExpires?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(updated.updatedAt).toEqual(fixedNow);
    await seedUser(s.store, tenant, { email: "occupied@example.com" });
    expect((await rejectionOf(s.store.users.update(scopeOf(tenant), user.id, { email: "occupied@example.com" }, fixedNow))).code).toBe("email_taken");
  });

  it("refuses to update or delete a user that does not exist", async () => {
    expect((await rejectionOf(s.store.users.update(scopeOf(tenant), "ausr_01h2xcejqtf2nbrexx3vqjhp41", { firstName: "x" }, fixedNow))).code).toBe("not_found");
    expect((await rejectionOf(s.store.users.softDelete(scopeOf(tenant), "ausr_01h2xcejqtf2nbrexx3vqjhp41", fixedNow))).name).toBe("NotFoundError");
  });

  it("treats another tenant's user as missing: not found, not updated, not deleted", async () => {
    const other = await seedTenant(s.store);
    const theirs = await seedUser(s.store, other, { firstName: "Theirs" });
    const staging = await s.store.environments.create({ appId: other.app.id, name: "Staging", slug: "staging-x", type: "staging" });
    expect(await s.store.users.findById(scopeOf(tenant), theirs.id)).toBeNull();
    expect(await s.store.users.findById({ appId: other.app.id, envId: staging.id }, theirs.id)).toBeNull(); // same app, other env
    expect((await rejectionOf(s.store.users.update(scopeOf(tenant), theirs.id, { firstName: "Mine" }, fixedNow))).code).toBe("not_found");
    expect((await rejectionOf(s.store.users.softDelete(scopeOf(tenant), theirs.id, fixedNow))).code).toBe("not_found");
    expect(await s.store.users.findById(scopeOf(other), theirs.id)).toMatchObject({ firstName: "Theirs", deletedAt: null });
  });

  it("hides a soft-deleted user from every lookup and list, and frees its email and username", async () => {
    const user = await seedUser(s.store, tenant, { email: "gone@example.com", username: "gone" });
    await s.store.users.softDelete(scopeOf(tenant), user.id, fixedNow);
    expect(await s.store.users.findById(scopeOf(tenant), user.id)).toBeNull();
    expect(await s.store.users.findByEmail(scopeOf(tenant), "gone@example.com")).toBeNull();
    expect(await s.store.users.findByUsername(scopeOf(tenant), "gone")).toBeNull();
    const page = await s.store.users.list(scopeOf(tenant), { emailContains: "gone@" }, { limit: 100 });
    expect(page.items).toEqual([]);
    expect((await rejectionOf(s.store.users.update(scopeOf(tenant), user.id, { firstName: "x" }, fixedNow))).code).toBe("not_found");
    expect((await rejectionOf(s.store.users.softDelete(scopeOf(tenant), user.id, fixedNow))).code).toBe("not_found");
    const again = await seedUser(s.store, tenant, { email: "gone@example.com", username: "gone" });
    expect(again.id).not.toBe(user.id);
    const rows = await s.t.query<{ deleted_at: Date | null }>(`SELECT deleted_at FROM authsome_users WHERE id = $1`, [user.id]);
    expect(rows[0]?.deleted_at).not.toBeNull(); // soft: the row is still there
  });

  it("rejects a limit outside 1–100 (invalid_page) and a malformed cursor (invalid_cursor), naming no request field", async () => {
    const scope = scopeOf(tenant);
    expect((await rejectionOf(s.store.users.list(scope, {}, { limit: 0 }))).name).toBe("ValidationError");
    const limit = await rejectionOf(s.store.users.list(scope, {}, { limit: 101 }));
    expect(limit).toMatchObject({ name: "ValidationError", code: "invalid_page" });
    const cursor = await rejectionOf(s.store.users.list(scope, {}, { cursor: "'; DROP TABLE authsome_users; --" }));
    expect(cursor).toMatchObject({ name: "ValidationError", code: "invalid_cursor" });
    expect([limit.details, cursor.details]).toEqual([undefined, undefined]); // no `fields`: the route names its own
  });
});

describe("users store pagination", () => {
  let big: Tenant;
  const total = 2_500;

  beforeAll(async () => {
    big = await seedTenant(s.store);
    // Seeded in bulk through Drizzle (ids from the schema's TypeID default); the store is what is under test.
    const rows = Array.from({ length: total }, (_, i) => ({
      appId: big.app.id,
      envId: big.env.id,
      email: `${i % 10 === 0 ? "team" : "user"}${i}@example.com`,
    }));
    for (let i = 0; i < rows.length; i += 500) await s.t.db.insert(users).values(rows.slice(i, i + 500));
  });

  async function walk(query: { emailContains?: string; limit: number }): Promise<User[][]> {
    const pages: User[][] = [];
    let cursor: string | null = null;
    do {
      const page = await s.store.users.list(scopeOf(big), { emailContains: query.emailContains }, { limit: query.limit, cursor });
      pages.push(page.items);
      cursor = page.nextCursor;
      if (cursor !== null) expect(cursor).toBe(page.items[page.items.length - 1]?.id); // the last returned id
    } while (cursor !== null && pages.length <= total);
    return pages;
  }

  it(`walks ${total} users with limit 100: every user exactly once, newest id first`, async () => {
    const pages = await walk({ limit: 100 });
    expect(pages.map((p) => p.length)).toEqual(Array(25).fill(100));
    const ids = pages.flat().map((u) => u.id);
    expect(new Set(ids).size).toBe(total);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it("paginates a filtered list and ends with a null cursor", async () => {
    const pages = await walk({ emailContains: "TEAM", limit: 30 });
    expect(pages.map((p) => p.length)).toEqual([30, 30, 30, 30, 30, 30, 30, 30, 10]);
    const emails = pages.flat().map((u) => u.email);
    expect(new Set(emails).size).toBe(250);
    for (const email of emails) expect(email.startsWith("team")).toBe(true);
  });

  it("matches LIKE metacharacters in the email filter literally", async () => {
    await seedUser(s.store, big, { email: "a_b@example.com" });
    await seedUser(s.store, big, { email: "axb@example.com" });
    await seedUser(s.store, big, { email: "100%@example.com" });
    const underscore = await s.store.users.list(scopeOf(big), { emailContains: "a_b" });
    expect(underscore.items.map((u) => u.email)).toEqual(["a_b@example.com"]);
    const percent = await s.store.users.list(scopeOf(big), { emailContains: "0%" });
    expect(percent.items.map((u) => u.email)).toEqual(["100%@example.com"]);
    const regexish = await s.store.users.list(scopeOf(big), { emailContains: "(a+)+$.*%_\\" });
    expect(regexish).toEqual({ items: [], nextCursor: null });
  });

  it("returns an empty page and no cursor for an app without users", async () => {
    const empty = await seedTenant(s.store);
    expect(await s.store.users.list(scopeOf(empty))).toEqual({ items: [], nextCursor: null });
  });
});
