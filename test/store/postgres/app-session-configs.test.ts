import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../../src/store/contract/index.js";
import { createTestStore, fixedNow, rejectionOf, secondsAfterFixedNow, type TestStore } from "../../support/store.js";

let s: TestStore;

beforeAll(async () => {
  s = await createTestStore();
});
afterAll(() => s.t.drop());

const now = fixedNow;
let counter = 0;
function createApp(): Promise<App> {
  counter += 1;
  return s.store.apps.create({ name: `App ${counter}`, slug: `session-config-app-${counter}` });
}

describe("app session configs store", () => {
  it("returns null for an app without overrides", async () => {
    const app = await createApp();
    expect(await s.store.appSessionConfigs.findByAppId(app.id)).toBeNull();
  });

  it("creates overrides, storing unspecified values as NULL (inherit)", async () => {
    const app = await createApp();
    const config = await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 900, rotateRefreshToken: false }, now);
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
    expect(await s.store.appSessionConfigs.findByAppId(app.id)).toEqual(config);
  });

  it("replaces the overrides on a second set: the same row, and values left out return to NULL", async () => {
    const app = await createApp();
    const first = await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 900, maxActiveSessions: 3, bindToIp: true }, now);
    const later = secondsAfterFixedNow(60);
    const second = await s.store.appSessionConfigs.set(app.id, { refreshTokenTtlSeconds: 86_400, bindToDevice: false }, later);
    expect(second.id).toBe(first.id);
    expect([first.createdAt, first.updatedAt]).toEqual([now, now]); // the caller's clock, not the database's
    expect([second.createdAt, second.updatedAt]).toEqual([now, later]);
    expect(second).toMatchObject({
      tokenTtlSeconds: null,
      refreshTokenTtlSeconds: 86_400,
      maxActiveSessions: null,
      rotateRefreshToken: null,
      bindToIp: null,
      bindToDevice: false,
    });
    expect(await s.store.appSessionConfigs.findByAppId(app.id)).toEqual(second);
  });

  it("keeps each app's overrides separate", async () => {
    const one = await createApp();
    const two = await createApp();
    await s.store.appSessionConfigs.set(one.id, { tokenTtlSeconds: 60 }, now);
    await s.store.appSessionConfigs.set(two.id, { tokenTtlSeconds: 120 }, now);
    expect((await s.store.appSessionConfigs.findByAppId(one.id))?.tokenTtlSeconds).toBe(60);
    expect((await s.store.appSessionConfigs.findByAppId(two.id))?.tokenTtlSeconds).toBe(120);
  });

  it("deletes the overrides and reports how many rows went (a conditional delete: 0 when there were none)", async () => {
    const app = await createApp();
    await s.store.appSessionConfigs.set(app.id, { maxActiveSessions: 5 }, now);
    expect(await s.store.appSessionConfigs.deleteByAppId(app.id)).toBe(1);
    expect(await s.store.appSessionConfigs.findByAppId(app.id)).toBeNull();
    expect(await s.store.appSessionConfigs.deleteByAppId(app.id)).toBe(0);
  });

  it("maps overrides for an unknown app to ValidationError invalid_reference", async () => {
    const error = await rejectionOf(s.store.appSessionConfigs.set("aapp_01h455vb4pex5vsknk084sn02q", { tokenTtlSeconds: 60 }, now));
    expect(error.name).toBe("ValidationError");
    expect(error.code).toBe("invalid_reference");
  });

  it("removes the overrides when their app is deleted", async () => {
    const app = await createApp();
    await s.store.appSessionConfigs.set(app.id, { tokenTtlSeconds: 60 }, now);
    await s.store.apps.delete(app.id);
    expect(await s.store.appSessionConfigs.findByAppId(app.id)).toBeNull();
  });
});
