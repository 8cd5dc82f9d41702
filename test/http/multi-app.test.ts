// Multi-app deployments: apps resolved from `X-Publishable-Key` (or `?publishable_key=`), each app's users, tokens
// and links invisible to the others (shared/spec/quality.md, "Tenant isolation"), and per-app session overrides from
// authsome_app_session_configs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/store/contract/index.js";
import { createTestEngine, linkIn, type CallOptions, type TestEngine } from "../support/engine.js";
import { readUser, rejectionOf } from "../support/store.js";

const secret = "correct horse battery";
let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${++counter}@example.com`;

let e: TestEngine;
let other: App;
let defaultApp: App;

/** A call made as the app with this publishable key. */
const as = (key: string, options: CallOptions = {}): CallOptions => ({ ...options, headers: { ...options.headers, "x-publishable-key": key } });

async function signUp(email: string, options: CallOptions = {}) {
  const res = await e.call("POST", "/signup", { ...options, body: { email, password: secret } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { user: { id: string; app_id: string; env_id: string }; session_token: string; refresh_token: string; expires_at: string };
}

beforeAll(async () => {
  e = await createTestEngine();
  other = await e.auth.api.createApp({ name: "Other", slug: "other" });
  const found = await e.store.apps.findBySlug(e.auth.config.appId);
  if (!found) throw new Error("start() did not create the configured app");
  defaultApp = found;
});
afterAll(() => e?.drop());

describe("apps and publishable keys", () => {
  it("gives the configured app and every created app a publishable key and a default production environment", async () => {
    expect(defaultApp.publishableKey).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
    expect(other.publishableKey).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
    expect(other.publishableKey).not.toBe(defaultApp.publishableKey);
    const env = await e.store.environments.findDefaultByAppId(other.id);
    expect(env).toMatchObject({ slug: "production", type: "production", isDefault: true });
  });

  it("refuses a bad app definition and a taken slug, creating nothing", async () => {
    const before = (await e.store.apps.list({ limit: 100 })).items.length;
    expect(await rejectionOf(e.auth.api.createApp({ name: "X", slug: "Not A Slug" }))).toMatchObject({ code: "invalid_request" });
    expect(await rejectionOf(e.auth.api.createApp({ name: " ", slug: "blank-name" }))).toMatchObject({ code: "invalid_request" });
    expect(await rejectionOf(e.auth.api.createApp({ name: "X", slug: "ttl", session: { tokenTTL: "soon" as never } }))).toMatchObject({
      code: "invalid_request",
      details: { fields: { tokenTTL: expect.any(String) } },
    });
    expect(await rejectionOf(e.auth.api.createApp({ name: "Again", slug: "other" }))).toMatchObject({ code: "slug_taken" });
    expect((await e.store.apps.list({ limit: 100 })).items.length).toBe(before);
  });

  it("answers an unknown or malformed key with 401 invalid_publishable_key, a malformed one without a query", async () => {
    const unknown = await e.call("GET", "/session", as(`pk_live_${"x".repeat(43)}`));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ code: "invalid_publishable_key" });
    e.t.counter.reset();
    const malformed = await e.call("GET", "/session", as("not a key; DROP TABLE"));
    expect(malformed.status).toBe(401);
    expect(malformed.body).toMatchObject({ code: "invalid_publishable_key" });
    expect(e.t.counter.count).toBe(0);
  });

  it("accepts the key as a publishable_key query parameter (browser navigations cannot send headers)", async () => {
    const user = await signUp(uniqueEmail("query"), as(other.publishableKey as string));
    const res = await e.call("GET", `/session?publishable_key=${other.publishableKey}`, { token: user.session_token });
    expect(res.status).toBe(200);
    expect(res.body.user.app_id).toBe(other.id);
  });

  it("keeps the session check at one statement for a known app", async () => {
    const user = await signUp(uniqueEmail("counted"), as(other.publishableKey as string));
    e.t.counter.reset();
    const res = await e.call("GET", "/session", as(other.publishableKey as string, { token: user.session_token }));
    expect(res.status).toBe(200);
    expect(e.t.counter.count).toBe(1);
  });

  it("resolves a new key once for a burst of concurrent first requests, then from memory", async () => {
    const app = await e.auth.api.createApp({ name: "Burst", slug: "burst" });
    e.t.counter.reset();
    const answers = await Promise.all(Array.from({ length: 10 }, () => e.call("GET", "/session", as(app.publishableKey as string))));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(401)); // no token: the app lookup is the only statement
    expect(e.t.counter.count).toBe(1);
    await e.call("GET", "/session", as(app.publishableKey as string));
    expect(e.t.counter.count).toBe(1);
  });

  it("rotates a publishable key: the old one stops resolving at once, the new one works", async () => {
    const app = await e.auth.api.createApp({ name: "Rotating", slug: "rotating" });
    const user = await signUp(uniqueEmail("rotating"), as(app.publishableKey as string));
    const rotated = await e.auth.api.rotatePublishableKey(app.id);
    expect(rotated.publishableKey).not.toBe(app.publishableKey);
    expect((await e.call("GET", "/session", as(app.publishableKey as string, { token: user.session_token }))).status).toBe(401);
    expect((await e.call("GET", "/session", as(rotated.publishableKey as string, { token: user.session_token }))).status).toBe(200);
    expect(await rejectionOf(e.auth.api.rotatePublishableKey("aapp_01h0000000000000000000000"))).toMatchObject({ code: "not_found" });
  });
});

describe("tenant isolation", () => {
  it("keeps one email as two separate accounts in two apps", async () => {
    const email = uniqueEmail("twice");
    const mine = await signUp(email);
    const theirs = await signUp(email, as(other.publishableKey as string));
    expect(mine.user.id).not.toBe(theirs.user.id);
    expect(mine.user.app_id).toBe(defaultApp.id);
    expect(theirs.user.app_id).toBe(other.id);
    // A password is per app: the other app's account does not sign in here.
    const signIn = await e.call("POST", "/signin", as(other.publishableKey as string, { body: { email: uniqueEmail("nobody-there"), password: secret } }));
    expect(signIn.status).toBe(401);
  });

  it("does not accept one app's account credentials in another", async () => {
    const email = uniqueEmail("only-mine");
    await signUp(email);
    const res = await e.call("POST", "/signin", as(other.publishableKey as string, { body: { email, password: secret } }));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: "invalid_credentials" });
  });

  it("treats a session token of another app as no session (401), on every authenticated route", async () => {
    const mine = await signUp(uniqueEmail("token"));
    for (const [method, path] of [["GET", "/session"], ["GET", "/sessions"], ["GET", "/me"], ["POST", "/signout"]] as const) {
      const res = await e.call(method, path, as(other.publishableKey as string, { token: mine.session_token }));
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body).toMatchObject({ code: "unauthorized" });
    }
    const introspected = await e.call("POST", "/introspect", as(other.publishableKey as string, { body: { token: mine.session_token } }));
    expect(introspected.body).toEqual({ active: false });
    // …and the session is untouched where it belongs.
    expect((await e.call("GET", "/session", { token: mine.session_token })).status).toBe(200);
  });

  it("does not rotate, replay-detect or revoke another app's refresh token", async () => {
    const mine = await signUp(uniqueEmail("refresh"));
    const foreign = await e.call("POST", "/refresh", as(other.publishableKey as string, { body: { refresh_token: mine.refresh_token } }));
    expect(foreign.status).toBe(401);
    expect(foreign.body).toMatchObject({ code: "invalid_refresh_token" });
    // Still current at home: it rotates there.
    const rotated = await e.call("POST", "/refresh", { body: { refresh_token: mine.refresh_token } });
    expect(rotated.status).toBe(200);
    // The retired token replayed through the other app after the grace window is unknown there: no family revocation.
    e.clock.advance(60);
    const replay = await e.call("POST", "/refresh", as(other.publishableKey as string, { body: { refresh_token: mine.refresh_token } }));
    expect(replay.body).toMatchObject({ code: "invalid_refresh_token" });
    expect((await e.call("GET", "/session", { token: rotated.body.session_token })).status).toBe(200);
  });

  it("does not honour one app's reset or verification link in another", async () => {
    const email = uniqueEmail("links");
    await signUp(email);
    await e.call("POST", "/forgot-password", { body: { email } });
    const reset = e.mailer.messages.filter((m) => m.to === email).at(-1);
    const token = linkIn(reset?.text ?? "").searchParams.get("token");
    if (!token) throw new Error("no reset link was mailed");
    const foreign = await e.call("POST", "/reset-password", as(other.publishableKey as string, { body: { token, new_password: "another fine password" } }));
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ code: "invalid_token" });
    // Not consumed by the failed attempt: it still works in its own app.
    expect((await e.call("POST", "/reset-password", { body: { token, new_password: "another fine password" } })).status).toBe(200);

    const unverified = uniqueEmail("verify");
    const signed = await signUp(unverified);
    await e.call("POST", "/verify-email/resend", { body: { email: unverified } });
    const mail = e.mailer.messages.filter((m) => m.to === unverified).at(-1);
    const link = linkIn(mail?.text ?? "").searchParams.get("token");
    if (!link) throw new Error("no verification link was mailed");
    const foreignVerify = await e.call("POST", "/verify-email", as(other.publishableKey as string, { body: { token: link } }));
    expect(foreignVerify.body).toMatchObject({ code: "invalid_token" });
    expect((await e.call("POST", "/verify-email", { body: { token: link } })).status).toBe(200);
    expect((await readUser(e.store, signed.user.id))?.emailVerified).toBe(true);
  });

  it("records audit events under the app that served the request", async () => {
    const theirs = await signUp(uniqueEmail("audited"), as(other.publishableKey as string));
    const rows = await e.t.query<{ app_id: string }>("SELECT app_id FROM authsome_audit_events WHERE user_id = $1", [theirs.user.id]);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.app_id))).toEqual(new Set([other.id]));
  });

  it("scopes the in-process API with auth.withApp (by slug or key); other apps' users are not found", async () => {
    const theirs = await signUp(uniqueEmail("in-process"), as(other.publishableKey as string));
    expect(await e.auth.api.getSession(theirs.session_token)).toBeNull();
    expect(await rejectionOf(e.auth.api.getUser(theirs.user.id))).toMatchObject({ code: "not_found" });
    expect(await rejectionOf(e.auth.api.updateUser(theirs.user.id, { firstName: "Mallory" }))).toMatchObject({ code: "not_found" });
    const bySlug = await e.auth.withApp("other", () => e.auth.api.getSession(theirs.session_token));
    expect(bySlug?.user.id).toBe(theirs.user.id);
    const byKey = await e.auth.withApp(other.publishableKey as string, () => e.auth.api.getUser(theirs.user.id));
    expect(byKey.firstName).toBe("");
    expect(await rejectionOf(e.auth.withApp("no-such-app", async () => null))).toMatchObject({ code: "not_found" });
  });
});

describe("requirePublishableKey", () => {
  it("refuses requests without a key with 400 app_required, but serves health and the OpenAPI document", async () => {
    const strict = await e.sibling({ config: { requirePublishableKey: true } });
    try {
      const res = await strict.call("POST", "/signin", { body: { email: uniqueEmail("strict"), password: secret } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "app_required" });
      expect((await strict.call("GET", "/health")).status).toBe(200);
      expect((await strict.call("GET", "/openapi.json")).status).toBe(200);
      const keyed = await strict.call("POST", "/signup", as(other.publishableKey as string, { body: { email: uniqueEmail("strict"), password: secret } }));
      expect(keyed.status).toBe(201);
    } finally {
      await strict.drop();
    }
  });
});

describe("per-app session overrides (authsome_app_session_configs)", () => {
  const seconds = (iso: string, from: Date) => Math.round((new Date(iso).getTime() - from.getTime()) / 1000);

  function cookieMaxAge(res: { headers: Headers }, name: string): number | undefined {
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
    const match = cookie ? /Max-Age=(\d+)/i.exec(cookie) : null;
    return match ? Number(match[1]) : undefined;
  }

  it("applies an app's token TTLs to its sessions, cookies and refreshes, leaving other apps on the config", async () => {
    const app = await e.auth.api.createApp({ name: "Short", slug: "short", session: { tokenTTL: "5m", refreshTokenTTL: "1d" } });
    const key = app.publishableKey as string;
    const now = e.clock.now();
    const res = await e.call("POST", "/signup", as(key, { body: { email: uniqueEmail("short"), password: secret } }));
    expect(res.status).toBe(201);
    expect(seconds(res.body.expires_at, now)).toBe(300);
    expect(seconds(res.body.session.refresh_expires_at, now)).toBe(86_400);
    expect(cookieMaxAge(res, "authsome_session")).toBe(300);
    expect(cookieMaxAge(res, "authsome_refresh")).toBe(86_400);

    const refreshed = await e.call("POST", "/refresh", as(key, { body: { refresh_token: res.body.refresh_token } }));
    expect(seconds(refreshed.body.expires_at, e.clock.now())).toBe(300);

    e.clock.advance(301);
    expect((await e.call("GET", "/session", as(key, { token: refreshed.body.session_token }))).status).toBe(401);

    const home = await signUp(uniqueEmail("home"));
    expect(seconds(home.expires_at, e.clock.now())).toBe(3_600); // the engine's config
  });

  it("applies changes at once on this instance, and removing them restores the config", async () => {
    const app = await e.auth.api.createApp({ name: "Changing", slug: "changing" });
    const key = app.publishableKey as string;
    expect(seconds((await signUp(uniqueEmail("before"), as(key))).expires_at, e.clock.now())).toBe(3_600);
    await e.auth.api.setAppSessionConfig(app.id, { tokenTTL: "10m" });
    expect(seconds((await signUp(uniqueEmail("during"), as(key))).expires_at, e.clock.now())).toBe(600);
    await e.auth.api.setAppSessionConfig(app.id, null);
    expect(seconds((await signUp(uniqueEmail("after"), as(key))).expires_at, e.clock.now())).toBe(3_600);
    expect(await rejectionOf(e.auth.api.setAppSessionConfig(app.id, { maxActiveSessions: 0 }))).toMatchObject({ code: "invalid_request" });
    expect(await rejectionOf(e.auth.api.setAppSessionConfig("aapp_01h0000000000000000000000", { tokenTTL: "1m" }))).toMatchObject({
      code: "not_found",
    });
  });

  it("applies the configured app's overrides too", async () => {
    await e.auth.api.setAppSessionConfig(defaultApp.id, { tokenTTL: "2m" });
    try {
      expect(seconds((await signUp(uniqueEmail("configured"))).expires_at, e.clock.now())).toBe(120);
    } finally {
      await e.auth.api.setAppSessionConfig(defaultApp.id, null);
    }
    expect(seconds((await signUp(uniqueEmail("configured-after"))).expires_at, e.clock.now())).toBe(3_600);
  });

  it("evicts a user's oldest sessions beyond maxActiveSessions; an evicted refresh token is invalid, not a replay", async () => {
    const app = await e.auth.api.createApp({ name: "Capped", slug: "capped", session: { maxActiveSessions: 2 } });
    const key = app.publishableKey as string;
    const email = uniqueEmail("capped");
    const first = await signUp(email, as(key));
    const signIn = async () => {
      e.clock.advance(1); // distinct creation times, so "oldest" is well defined
      const res = await e.call("POST", "/signin", as(key, { body: { email, password: secret } }));
      expect(res.status).toBe(200);
      return res.body as { session_token: string; refresh_token: string };
    };
    const second = await signIn();
    const third = await signIn();
    expect((await e.call("GET", "/session", as(key, { token: first.session_token }))).status).toBe(401);
    expect((await e.call("GET", "/session", as(key, { token: second.session_token }))).status).toBe(200);
    expect((await e.call("GET", "/session", as(key, { token: third.session_token }))).status).toBe(200);
    const evicted = await e.call("POST", "/refresh", as(key, { body: { refresh_token: first.refresh_token } }));
    expect(evicted.body).toMatchObject({ code: "invalid_refresh_token" });
    // Second and third still refresh: nothing else was revoked.
    expect((await e.call("POST", "/refresh", as(key, { body: { refresh_token: second.refresh_token } }))).status).toBe(200);
  });

  it("picks up a change made by another instance once its app cache expires, without a request waiting on it", async () => {
    const app = await e.auth.api.createApp({ name: "Remote", slug: "remote" });
    const key = app.publishableKey as string;
    const peer = await e.sibling({ config: { appCacheTTL: 1 } });
    try {
      expect(seconds((await peer.call("POST", "/signup", as(key, { body: { email: uniqueEmail("peer"), password: secret } }))).body.expires_at, e.clock.now())).toBe(3_600);
      await e.auth.api.setAppSessionConfig(app.id, { tokenTTL: "7m" }); // made through the first instance
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      // The stale entry is served once while a background refresh runs; then the new TTL applies.
      await peer.call("GET", "/session", as(key));
      await expect
        .poll(async () => seconds((await peer.call("POST", "/signup", as(key, { body: { email: uniqueEmail("peer"), password: secret } }))).body.expires_at, e.clock.now()), {
          timeout: 5_000,
        })
        .toBe(420);
    } finally {
      await peer.drop();
    }
  });
});
