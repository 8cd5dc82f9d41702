import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App, Environment, NewEnvironment } from "../../../src/store/contract/index.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { createTestStore, fixedNow, rejectionOf, type TestStore } from "../../support/store.js";

const now = fixedNow;

let s: TestStore;

beforeAll(async () => {
  s = await createTestStore();
});
afterAll(() => s.t.drop());

let counter = 0;
function createApp(): Promise<App> {
  counter += 1;
  return s.store.apps.create({ name: `App ${counter}`, slug: `env-app-${counter}` });
}

function createEnv(app: App, slug: string, overrides: Partial<NewEnvironment> = {}): Promise<Environment> {
  return s.store.environments.create({ appId: app.id, name: slug, slug, type: "development", ...overrides });
}

async function defaultsOf(app: App): Promise<string[]> {
  return (await s.store.environments.listAll(app.id)).filter((env) => env.isDefault).map((env) => env.id);
}

describe("environments store", () => {
  it("makes an app's first environment its default and later ones not", async () => {
    const app = await createApp();
    const production = await createEnv(app, "production", { type: "production", color: "#ef4444" });
    const staging = await createEnv(app, "staging", { type: "staging" });
    expect(production.id).toMatch(/^aenv_[0-9a-z]{26}$/);
    expect(production).toMatchObject({ isDefault: true, color: "#ef4444", description: "", settings: null, metadata: {} });
    expect(staging.isDefault).toBe(false);
    expect((await s.store.environments.findDefaultByAppId(app.id))?.id).toBe(production.id);
  });

  it("decides the default per app: another app's first environment is its own default", async () => {
    const first = await createApp();
    await createEnv(first, "production");
    const second = await createApp();
    const env = await createEnv(second, "production");
    expect(env.isDefault).toBe(true);
  });

  it("returns null as the default of an app without environments", async () => {
    const app = await createApp();
    expect(await s.store.environments.findDefaultByAppId(app.id)).toBeNull();
  });

  it("finds an environment by id and by slug within its app", async () => {
    const app = await createApp();
    const env = await createEnv(app, "preview", { settings: { signup: false } });
    expect(await s.store.environments.findById(app.id, env.id)).toEqual(env);
    expect(await s.store.environments.findBySlug(app.id, "preview")).toEqual(env);
    const other = await createApp();
    expect(await s.store.environments.findBySlug(other.id, "preview")).toBeNull();
    expect(await s.store.environments.findById(app.id, "aenv_01h455vb4pex5vsknk084sn02q")).toBeNull();
  });

  it("lists an app's environments oldest first, and only that app's", async () => {
    const app = await createApp();
    const created = [await createEnv(app, "a"), await createEnv(app, "b"), await createEnv(app, "c")];
    await createEnv(await createApp(), "elsewhere");
    expect((await s.store.environments.listAll(app.id)).map((env) => env.id)).toEqual(created.map((env) => env.id));
  });

  it("keeps slugs unique within an app (slug_taken) but reusable across apps", async () => {
    const app = await createApp();
    await createEnv(app, "production");
    const duplicate = await rejectionOf(createEnv(app, "production"));
    expect(duplicate.name).toBe("ConflictError");
    expect(duplicate.code).toBe("slug_taken");
    const elsewhere = await createEnv(await createApp(), "production");
    expect(elsewhere.slug).toBe("production");
  });

  it("persists an update and maps a taken slug to slug_taken", async () => {
    const app = await createApp();
    const env = await createEnv(app, "dev");
    await createEnv(app, "qa");
    const updated = await s.store.environments.update(app.id, env.id, {
      name: "Development",
      color: "#22c55e",
      description: "for developers",
      settings: { mfa: "optional" },
      metadata: { owner: "platform" },
    }, now);
    expect(updated).toMatchObject({ id: env.id, name: "Development", color: "#22c55e", settings: { mfa: "optional" }, isDefault: true });
    expect(updated.updatedAt).toEqual(now);
    expect(await s.store.environments.findById(app.id, env.id)).toEqual(updated);
    const taken = await rejectionOf(s.store.environments.update(app.id, env.id, { slug: "qa" }, now));
    expect(taken.code).toBe("slug_taken");
  });

  it("throws NotFoundError when updating an environment that does not exist", async () => {
    const app = await createApp();
    const error = await rejectionOf(s.store.environments.update(app.id, "aenv_01h455vb4pex5vsknk084sn02q", { name: "Ghost" }, now));
    expect(error.name).toBe("NotFoundError");
    expect(error.code).toBe("not_found");
  });

  it("treats another app's environment as missing: not found, not updated, not deleted", async () => {
    const app = await createApp();
    await createEnv(app, "production");
    const staging = await createEnv(app, "staging");
    const other = await createApp();
    expect(await s.store.environments.findById(other.id, staging.id)).toBeNull();
    expect((await rejectionOf(s.store.environments.update(other.id, staging.id, { name: "Mine" }, now))).code).toBe("not_found");
    expect((await rejectionOf(s.store.environments.delete(other.id, staging.id))).code).toBe("not_found");
    expect(await s.store.environments.findById(app.id, staging.id)).toEqual(staging);
  });

  it("moves the default flag with setDefault, leaving exactly one default", async () => {
    const app = await createApp();
    const production = await createEnv(app, "production");
    const staging = await createEnv(app, "staging");
    const moved = await s.store.environments.setDefault(app.id, staging.id, now);
    expect(moved).toMatchObject({ id: staging.id, isDefault: true, updatedAt: now });
    expect(await defaultsOf(app)).toEqual([staging.id]);
    expect((await s.store.environments.findById(app.id, production.id))?.isDefault).toBe(false);
    expect((await s.store.environments.findDefaultByAppId(app.id))?.id).toBe(staging.id);
  });

  it("accepts setDefault on the environment that already is the default", async () => {
    const app = await createApp();
    const production = await createEnv(app, "production");
    await createEnv(app, "staging");
    expect((await s.store.environments.setDefault(app.id, production.id, now)).isDefault).toBe(true);
    expect(await defaultsOf(app)).toEqual([production.id]);
  });

  it("refuses setDefault with another app's environment and keeps the old default", async () => {
    const app = await createApp();
    const production = await createEnv(app, "production");
    const foreign = await createEnv(await createApp(), "production");
    const error = await rejectionOf(s.store.environments.setDefault(app.id, foreign.id, now));
    expect(error.name).toBe("NotFoundError");
    expect(await defaultsOf(app)).toEqual([production.id]);
  });

  it("throws NotFoundError from setDefault for an unknown app or environment", async () => {
    const app = await createApp();
    const production = await createEnv(app, "production");
    expect((await rejectionOf(s.store.environments.setDefault(app.id, "aenv_01h455vb4pex5vsknk084sn02q", now))).code).toBe("not_found");
    expect((await rejectionOf(s.store.environments.setDefault("aapp_01h455vb4pex5vsknk084sn02q", production.id, now))).code).toBe(
      "not_found",
    );
    expect(await defaultsOf(app)).toEqual([production.id]);
  });

  it("refuses to delete the default environment with ValidationError default_environment", async () => {
    const app = await createApp();
    const production = await createEnv(app, "production");
    const error = await rejectionOf(s.store.environments.delete(app.id, production.id));
    expect(error.name).toBe("ValidationError");
    expect(error.code).toBe("default_environment");
    expect(await s.store.environments.findById(app.id, production.id)).not.toBeNull();
  });

  it("deletes a non-default environment, then refuses a second delete with NotFoundError", async () => {
    const app = await createApp();
    await createEnv(app, "production");
    const staging = await createEnv(app, "staging");
    await s.store.environments.delete(app.id, staging.id);
    expect(await s.store.environments.findById(app.id, staging.id)).toBeNull();
    const again = await rejectionOf(s.store.environments.delete(app.id, staging.id));
    expect(again.name).toBe("NotFoundError");
    expect(again.code).toBe("not_found");
  });

  it("lets the former default be deleted once another environment is the default", async () => {
    const app = await createApp();
    const production = await createEnv(app, "production");
    const staging = await createEnv(app, "staging");
    await s.store.environments.setDefault(app.id, staging.id, now);
    await s.store.environments.delete(app.id, production.id);
    expect((await s.store.environments.listAll(app.id)).map((env) => env.id)).toEqual([staging.id]);
  });

  it("maps an unknown app to ValidationError invalid_reference", async () => {
    const error = await rejectionOf(
      s.store.environments.create({ appId: "aapp_01h455vb4pex5vsknk084sn02q", name: "x", slug: "x", type: "production" }),
    );
    expect(error.name).toBe("ValidationError");
    expect(error.code).toBe("invalid_reference");
  });
});

describe.skipIf(!isPostgres)(`environments under concurrency (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  it("keeps exactly one default when many setDefault calls race", async () => {
    const app = await createApp();
    const envs: Environment[] = [];
    for (let i = 0; i < 8; i++) envs.push(await createEnv(app, `e${i}`));
    const results = await Promise.allSettled(envs.map((env) => s.store.environments.setDefault(app.id, env.id, now)));
    expect(results.every((result) => result.status === "fulfilled")).toBe(true);
    expect(await defaultsOf(app)).toHaveLength(1);
  });

  it("never gives an app two defaults when its first environments are created at once", async () => {
    const app = await createApp();
    const results = await Promise.allSettled([0, 1, 2, 3].map((i) => createEnv(app, `race-${i}`)));
    for (const result of results) {
      if (result.status === "rejected") expect((result.reason as { code?: string }).code).toBe("conflict");
    }
    expect(results.some((result) => result.status === "fulfilled")).toBe(true);
    expect(await defaultsOf(app)).toHaveLength(1);
  });
});
