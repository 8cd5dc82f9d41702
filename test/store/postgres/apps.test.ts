import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App, NewApp } from "../../../src/store/contract/index.js";
import { createTestStore, fixedNow, rejectionOf, scopeOf, seedTenant, seedUser, type TestStore } from "../../support/store.js";

let s: TestStore;

beforeAll(async () => {
  s = await createTestStore();
});
afterAll(() => s.t.drop());

let counter = 0;
function createApp(overrides: Partial<NewApp> = {}): Promise<App> {
  counter += 1;
  const slug = `app-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  return s.store.apps.create({ name: `App ${slug}`, slug, ...overrides });
}

describe("apps store", () => {
  it("creates an app with a TypeID, defaults and timestamps", async () => {
    const app = await createApp({ name: "Acme" });
    expect(app.id).toMatch(/^aapp_[0-9a-z]{26}$/);
    expect(app.name).toBe("Acme");
    expect(app.logo).toBe("");
    expect(app.isPlatform).toBe(false);
    expect(app.metadata).toEqual({});
    expect(app.publishableKey).toBeNull();
    expect(app.createdAt).toBeInstanceOf(Date);
    expect(app.updatedAt).toBeInstanceOf(Date);
  });

  it("finds an app by id, by slug and by publishable key", async () => {
    const app = await createApp({ publishableKey: `pk_live_${Math.random().toString(36).slice(2)}` });
    expect(await s.store.apps.findById(app.id)).toEqual(app);
    expect(await s.store.apps.findBySlug(app.slug)).toEqual(app);
    expect(await s.store.apps.findByPublishableKey(app.publishableKey as string)).toEqual(app);
  });

  it("resolves a tenant by slug or publishable key in one statement: app, default environment, session overrides", async () => {
    const app = await createApp({ publishableKey: `pk_live_${Math.random().toString(36).slice(2)}` });
    expect(await s.store.apps.findTenant({ slug: app.slug })).toEqual({ app, env: null, sessionConfig: null });
    const env = await s.store.environments.create({ appId: app.id, name: "Production", slug: "production", type: "production" });
    await s.store.environments.create({ appId: app.id, name: "Staging", slug: "staging", type: "staging" });
    const sessionConfig = await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 300 }, fixedNow);
    s.t.counter.reset();
    const found = await s.store.apps.findTenant({ publishableKey: app.publishableKey as string });
    expect(s.t.counter.count).toBe(1);
    expect(found).toEqual({ app, env, sessionConfig });
    expect(await s.store.apps.findTenant({ slug: "no-such-app" })).toBeNull();
    expect(await s.store.apps.findTenant({ publishableKey: "pk_live_unknown" })).toBeNull();
  });

  it("returns null for an unknown id, slug or publishable key", async () => {
    expect(await s.store.apps.findById("aapp_01h455vb4pex5vsknk084sn02q")).toBeNull();
    expect(await s.store.apps.findBySlug("no-such-app")).toBeNull();
    expect(await s.store.apps.findByPublishableKey("pk_live_unknown")).toBeNull();
  });

  it("persists an update and sets updated_at to the caller's now", async () => {
    const app = await createApp();
    const updated = await s.store.apps.update(app.id, { name: "Renamed", logo: "https://example.com/logo.png", metadata: { tier: "gold" } }, fixedNow);
    expect(updated).toMatchObject({ id: app.id, slug: app.slug, name: "Renamed", logo: "https://example.com/logo.png", metadata: { tier: "gold" } });
    expect(updated.updatedAt).toEqual(fixedNow);
    expect(await s.store.apps.findById(app.id)).toEqual(updated);
  });

  it("throws NotFoundError when updating an app that does not exist", async () => {
    const error = await rejectionOf(s.store.apps.update("aapp_01h455vb4pex5vsknk084sn02q", { name: "Ghost" }, fixedNow));
    expect(error.name).toBe("NotFoundError");
    expect(error.code).toBe("not_found");
  });

  it("maps a duplicate slug to ConflictError slug_taken, on create and on update", async () => {
    const taken = await createApp();
    const onCreate = await rejectionOf(createApp({ slug: taken.slug }));
    expect(onCreate.name).toBe("ConflictError");
    expect(onCreate.code).toBe("slug_taken");
    const other = await createApp();
    const onUpdate = await rejectionOf(s.store.apps.update(other.id, { slug: taken.slug }, fixedNow));
    expect(onUpdate.code).toBe("slug_taken");
    expect((await s.store.apps.findById(other.id))?.slug).toBe(other.slug);
  });

  it("maps a duplicate publishable key to ConflictError conflict", async () => {
    const key = `pk_live_${Math.random().toString(36).slice(2)}`;
    await createApp({ publishableKey: key });
    const error = await rejectionOf(createApp({ publishableKey: key }));
    expect(error.name).toBe("ConflictError");
    expect(error.code).toBe("conflict");
  });

  it("lets any number of apps have no publishable key", async () => {
    const first = await createApp();
    const second = await createApp();
    expect([first.publishableKey, second.publishableKey]).toEqual([null, null]);
  });

  it("deletes an app so it is no longer found, and refuses to delete it twice", async () => {
    const app = await createApp();
    await s.store.apps.delete(app.id);
    expect(await s.store.apps.findById(app.id)).toBeNull();
    expect(await s.store.apps.findBySlug(app.slug)).toBeNull();
    const again = await rejectionOf(s.store.apps.delete(app.id));
    expect(again.name).toBe("NotFoundError");
    expect(again.code).toBe("not_found");
  });

  it("deletes the app's environments and users with it, and leaves other apps alone", async () => {
    const doomed = await seedTenant(s.store);
    const kept = await seedTenant(s.store);
    const doomedUser = await seedUser(s.store, doomed);
    const keptUser = await seedUser(s.store, kept);
    await s.store.apps.delete(doomed.app.id);
    expect(await s.store.environments.findById(doomed.app.id, doomed.env.id)).toBeNull();
    expect(await s.store.users.findById(scopeOf(doomed), doomedUser.id)).toBeNull();
    expect(await s.store.environments.findById(kept.app.id, kept.env.id)).not.toBeNull();
    expect(await s.store.users.findById(scopeOf(kept), keptUser.id)).not.toBeNull();
  });

  it("lists apps newest first and walks every page exactly once", async () => {
    for (let i = 0; i < 7; i++) await createApp();
    const all = await s.t.query<{ id: string }>("SELECT id FROM authsome_apps ORDER BY id DESC");
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await s.store.apps.list({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((app) => app.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen).toEqual(all.map((row) => row.id));
    expect(pages).toBe(Math.ceil(all.length / 3));
  });

  it("returns no cursor when a page holds the rest", async () => {
    const page = await s.store.apps.list({ limit: 100 });
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.nextCursor).toBeNull();
  });

  it("rejects an out-of-range limit with invalid_page and a malformed cursor with invalid_cursor (ValidationError)", async () => {
    expect(await rejectionOf(s.store.apps.list({ limit: 0 }))).toMatchObject({ name: "ValidationError", code: "invalid_page" });
    expect((await rejectionOf(s.store.apps.list({ limit: 101 }))).code).toBe("invalid_page");
    expect(await rejectionOf(s.store.apps.list({ cursor: "not-a-cursor" }))).toMatchObject({ name: "ValidationError", code: "invalid_cursor" });
  });
});
