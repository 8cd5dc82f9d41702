// CSRF origin checks on cookie-authenticated state changes, and CORS for trusted origins (docs/http-api.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../src/authsome.js";
import type { IssuedSession, SessionService } from "../../src/engine/services/sessions.js";
import { createTestStore, scopeOf, servedTenant, type Tenant, type TestStore } from "../support/store.js";

const basePath = "/v1/auth";
const ownOrigin = "http://localhost";
const trustedOrigin = "https://app.example.com";
const foreignOrigin = "https://evil.example.net";

let s: TestStore;
let auth: ReturnType<typeof createAuthsome>;
let tenant: Tenant;
let sessions: SessionService;

function send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Response> {
  const h = new Headers(headers);
  if (body !== undefined) h.set("content-type", "application/json");
  return auth.handler(new Request(`${ownOrigin}${basePath}${path}`, { method, headers: h, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
}

let count = 0;
async function signedIn(): Promise<IssuedSession> {
  count += 1;
  const user = await s.store.users.create({ appId: tenant.app.id, envId: tenant.env.id, email: `csrf-${count}-${Date.now()}@example.com` });
  return sessions.issue(user, { ipAddress: "203.0.113.9", userAgent: "vitest" });
}

const cookieOf = (issued: IssuedSession) => `authsome_session=${issued.sessionToken}`;

async function isSignedIn(issued: IssuedSession): Promise<boolean> {
  const res = await send("GET", "/session", { authorization: `Bearer ${issued.sessionToken}` });
  return res.status === 200;
}

async function expectRefused(res: Response): Promise<void> {
  expect({ status: res.status, body: await res.json() }).toEqual({ status: 403, body: { code: "invalid_origin", error: expect.any(String) } });
}

beforeAll(async () => {
  s = await createTestStore();
  auth = createAuthsome({ store: s.store, config: { development: true, basePath, rateLimits: false, trustedOrigins: [trustedOrigin] } });
  await auth.start();
  ({ tenant, sessions } = await servedTenant(s.store, auth.config));
});

afterAll(async () => {
  await auth?.stop();
  await s?.t.drop();
});

describe("CSRF on cookie-authenticated state changes", () => {
  it("refuses POST /signout by cookie without an Origin (403 invalid_origin) and keeps the session", async () => {
    const issued = await signedIn();
    await expectRefused(await send("POST", "/signout", { cookie: cookieOf(issued) }));
    expect(await isSignedIn(issued)).toBe(true);
  });

  it("refuses POST /signout by cookie from a foreign Origin", async () => {
    const issued = await signedIn();
    await expectRefused(await send("POST", "/signout", { cookie: cookieOf(issued), origin: foreignOrigin }));
    expect(await isSignedIn(issued)).toBe(true);
  });

  it("refuses a foreign Origin even when Sec-Fetch-Site claims same-origin", async () => {
    const issued = await signedIn();
    await expectRefused(await send("POST", "/signout", { cookie: cookieOf(issued), origin: foreignOrigin, "sec-fetch-site": "same-origin" }));
    expect(await isSignedIn(issued)).toBe(true);
  });

  it("refuses the server's host on another scheme, and the literal Origin null", async () => {
    const issued = await signedIn();
    await expectRefused(await send("POST", "/signout", { cookie: cookieOf(issued), origin: "https://localhost" }));
    await expectRefused(await send("POST", "/signout", { cookie: cookieOf(issued), origin: "null" }));
    expect(await isSignedIn(issued)).toBe(true);
  });

  it("refuses Sec-Fetch-Site cross-site or same-site without an Origin", async () => {
    const issued = await signedIn();
    await expectRefused(await send("POST", "/signout", { cookie: cookieOf(issued), "sec-fetch-site": "cross-site" }));
    await expectRefused(await send("POST", "/signout", { cookie: cookieOf(issued), "sec-fetch-site": "same-site" }));
    expect(await isSignedIn(issued)).toBe(true);
  });

  it("accepts POST /signout by cookie from the server's own origin", async () => {
    const issued = await signedIn();
    const res = await send("POST", "/signout", { cookie: cookieOf(issued), origin: ownOrigin });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { status: "signed_out" } });
    expect(await isSignedIn(issued)).toBe(false);
  });

  it("accepts POST /signout by cookie from an origin in config.trustedOrigins", async () => {
    const issued = await signedIn();
    const res = await send("POST", "/signout", { cookie: cookieOf(issued), origin: trustedOrigin });
    expect(res.status).toBe(200);
    expect(await isSignedIn(issued)).toBe(false);
  });

  it("accepts Sec-Fetch-Site: same-origin when the request has no Origin", async () => {
    const issued = await signedIn();
    const res = await send("POST", "/signout", { cookie: cookieOf(issued), "sec-fetch-site": "same-origin" });
    expect(res.status).toBe(200);
    expect(await isSignedIn(issued)).toBe(false);
  });

  it("checks the origin on every state-changing method: PATCH /me, DELETE /sessions, DELETE /me", async () => {
    const issued = await signedIn();
    await expectRefused(await send("PATCH", "/me", { cookie: cookieOf(issued), origin: foreignOrigin }, { first_name: "Mallory" }));
    await expectRefused(await send("DELETE", "/sessions", { cookie: cookieOf(issued), origin: foreignOrigin }));
    await expectRefused(await send("DELETE", "/me", { cookie: cookieOf(issued) }));
    expect(await isSignedIn(issued)).toBe(true);
    expect((await s.store.users.findById(scopeOf(issued.session), issued.session.userId))?.firstName).toBe("");
  });

  it("checks the origin of a refresh by the refresh cookie", async () => {
    const issued = await signedIn();
    await expectRefused(await send("POST", "/refresh", { cookie: `authsome_refresh=${issued.refreshToken}`, origin: foreignOrigin }));
    expect(await isSignedIn(issued)).toBe(true);
    const res = await send("POST", "/refresh", { cookie: `authsome_refresh=${issued.refreshToken}`, origin: ownOrigin });
    expect(res.status).toBe(200);
  });

  it("lets safe methods through by cookie from any origin", async () => {
    const issued = await signedIn();
    const res = await send("GET", "/session", { cookie: cookieOf(issued), origin: foreignOrigin });
    expect(res.status).toBe(200);
  });

  it("exempts bearer-authenticated requests, even from a foreign origin", async () => {
    const issued = await signedIn();
    const res = await send("POST", "/signout", { authorization: `Bearer ${issued.sessionToken}`, origin: foreignOrigin });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { status: "signed_out" } });
    expect(await isSignedIn(issued)).toBe(false);

    const other = await signedIn();
    const patched = await send("PATCH", "/me", { authorization: `Bearer ${other.sessionToken}` }, { first_name: "Bearer" });
    expect(patched.status).toBe(200);
  });

  it("does not check requests that carry no credential at all", async () => {
    const res = await send("POST", "/introspect", { origin: foreignOrigin }, { token: "x" });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { active: false } });
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    send("OPTIONS", "/session", {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, authorization",
    });

  it("answers a preflight from a trusted origin with that origin, credentials and the allowed headers", async () => {
    const res = await preflight(trustedOrigin);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(trustedOrigin);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("gives a preflight from an untrusted origin no access-control-allow-origin", async () => {
    for (const origin of [foreignOrigin, ownOrigin.replace("http:", "https:"), "null"]) {
      const res = await preflight(origin);
      expect({ origin, allowOrigin: res.headers.get("access-control-allow-origin") }).toEqual({ origin, allowOrigin: null });
    }
  });

  it("adds the CORS headers to actual responses only for a trusted origin, and exposes x-request-id", async () => {
    const issued = await signedIn();
    const trusted = await send("GET", "/session", { authorization: `Bearer ${issued.sessionToken}`, origin: trustedOrigin });
    expect(trusted.status).toBe(200);
    expect(trusted.headers.get("access-control-allow-origin")).toBe(trustedOrigin);
    expect(trusted.headers.get("access-control-allow-credentials")).toBe("true");
    expect(trusted.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-request-id");
    expect(trusted.headers.get("vary")).toContain("Origin");

    const foreign = await send("GET", "/session", { authorization: `Bearer ${issued.sessionToken}`, origin: foreignOrigin });
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });
});
