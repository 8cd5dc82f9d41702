import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../../src/store/contract.js";
import { createTestStore, rejectionOf, type TestStore } from "../../support/store.js";

let s: TestStore;

beforeAll(async () => {
  s = await createTestStore();
});
afterAll(() => s.t.drop());

let counter = 0;
function createApp(): Promise<App> {
  counter += 1;
  return s.store.apps.create({ name: `App ${counter}`, slug: `session-config-app-${counter}` });
}

describe("app session configs store", () => {
  it("returns null for an app without overrides", async () => {
    const app = await createApp();
    expect(await s.store.appSessionConfigs.get(app.id)).toBeNull();
  });

  it("creates overrides, storing unspecified values as NULL (inherit)", async () => {
    const app = await createApp();
    const config = await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 900, rotateRefreshToken: false });
    expect(config.id).toMatch(/^ascf_[0-9a-z]{26}$/);
    expect(config).toMatchObject({
      appId: app.id,
      tokenTtlSeconds: 900,
      refreshTokenTtlSeconds: null,
      maxActiveSessions: null,
      rotateRefreshToken: false,
      bindToIp: null,
      bindToDevice: null,
    });
    expect(await s.store.appSessionConfigs.get(app.id)).toEqual(config);
  });

  it("replaces the overrides on a second set: the same row, and values left out return to NULL", async () => {
    const app = await createApp();
    const first = await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 900, maxActiveSessions: 3, bindToIp: true });
    const second = await s.store.appSessionConfigs.set(app.id, { refreshTokenTtlSeconds: 86_400, bindToDevice: false });
    expect(second.id).toBe(first.id);
    expect(second.createdAt).toEqual(first.createdAt);
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    expect(second).toMatchObject({
      tokenTtlSeconds: null,
      refreshTokenTtlSeconds: 86_400,
      maxActiveSessions: null,
      rotateRefreshToken: null,
      bindToIp: null,
      bindToDevice: false,
    });
    expect(await s.store.appSessionConfigs.get(app.id)).toEqual(second);
  });

  it("keeps each app's overrides separate", async () => {
    const one = await createApp();
    const two = await createApp();
    await s.store.appSessionConfigs.set(one.id, { tokenTtlSeconds: 60 });
    await s.store.appSessionConfigs.set(two.id, { tokenTtlSeconds: 120 });
    expect((await s.store.appSessionConfigs.get(one.id))?.tokenTtlSeconds).toBe(60);
    expect((await s.store.appSessionConfigs.get(two.id))?.tokenTtlSeconds).toBe(120);
  });

  it("deletes the overrides and reports whether there were any", async () => {
    const app = await createApp();
    await s.store.appSessionConfigs.set(app.id, { maxActiveSessions: 5 });
    expect(await s.store.appSessionConfigs.delete(app.id)).toBe(true);
    expect(await s.store.appSessionConfigs.get(app.id)).toBeNull();
    expect(await s.store.appSessionConfigs.delete(app.id)).toBe(false);
  });

  it("maps overrides for an unknown app to ValidationError invalid_reference", async () => {
    const error = await rejectionOf(s.store.appSessionConfigs.set("aapp_01h455vb4pex5vsknk084sn02q", { tokenTtlSeconds: 60 }));
    expect(error.name).toBe("ValidationError");
    expect(error.code).toBe("invalid_reference");
  });

  it("removes the overrides when their app is deleted", async () => {
    const app = await createApp();
    await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 60 });
    await s.store.apps.delete(app.id);
    expect(await s.store.appSessionConfigs.get(app.id)).toBeNull();
  });
});
