// `auth.nodeHandler` behind a real listening node:http server, driven by real fetch: bearer and cookie transport, and
// the client IP (the socket address, or the rightmost untrusted X-Forwarded-For hop with `trustProxy`).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../src/authsome.js";
import type { AuthsomePlugin } from "../../src/plugin/index.js";
import type { TrustProxySetting } from "../../src/engine/proxy-trust.js";
import type { IssuedSession, SessionService } from "../../src/engine/services/sessions.js";
import { NotFoundError } from "../../src/errors.js";
import { toAuthResponseBody } from "../../src/http/schemas.js";
import type { User } from "../../src/store/contract/index.js";
import { createTestStore, readSession, scopeOf, servedTenant, type Tenant, type TestStore } from "../support/store.js";

const basePath = "/v1/auth";
// An IPv4-mapped address (a dual-stack listener) is normalised to IPv4, so only one form is ever recorded.
const loopback = ["127.0.0.1"];

/**
 * Stands in for a sign-in plugin: issues a session for a user id with the request's meta, the way a real sign-in
 * does, so the IP the HTTP layer resolved is what the session records.
 */
const testSignIn: AuthsomePlugin = {
  id: "test-sign-in",
  setup(ctx) {
    ctx.router.post("/test/sign-in", async (c) => {
      const { user_id } = (await c.req.json()) as { user_id: string };
      const user = await ctx.store.users.findById(scopeOf(ctx.tenant()), user_id);
      if (!user) throw new NotFoundError("not_found", "User not found");
      const issued = await ctx.sessions.issue(user, c.var.meta);
      ctx.http.setSessionCookies(c, issued);
      return c.json(toAuthResponseBody({ user, ...issued }), 200);
    });
    return {};
  },
};

interface Served {
  auth: ReturnType<typeof createAuthsome>;
  server: Server;
  origin: string;
}

let s: TestStore;
let tenant: Tenant;
let sessions: SessionService;
let direct: Served;
let proxied: Served;
let listed: Served;

async function serve(trustProxy: TrustProxySetting): Promise<Served> {
  const auth = createAuthsome({
    store: s.store,
    plugins: [testSignIn],
    config: { development: true, basePath, rateLimits: false, trustProxy, trustedOrigins: ["https://spa.example"] },
  });
  await auth.start();
  const server = createServer(auth.nodeHandler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { auth, server, origin: `http://127.0.0.1:${port}` };
}

async function close(served: Served | undefined): Promise<void> {
  if (!served) return;
  served.server.closeAllConnections();
  await new Promise<void>((resolve) => served.server.close(() => resolve()));
  await served.auth.stop();
}

let count = 0;
function newUser(): Promise<User> {
  count += 1;
  return s.store.users.create({ appId: tenant.app.id, envId: tenant.env.id, email: `node-${count}-${Date.now()}@example.com` });
}

async function signedIn(): Promise<{ user: User; issued: IssuedSession }> {
  const user = await newUser();
  return { user, issued: await sessions.issue(user, { ipAddress: "203.0.113.9", userAgent: "vitest" }) };
}

/** `name=value` pairs of a response's Set-Cookie headers, as a browser would send them back. */
function cookieJar(res: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return jar;
}

function signInOver(served: Served, user: User, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${served.origin}${basePath}/test/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ user_id: user.id }),
  });
}

beforeAll(async () => {
  s = await createTestStore();
  direct = await serve(false);
  proxied = await serve(1);
  listed = await serve(["loopback", "10.0.0.0/8"]);
  ({ tenant, sessions } = await servedTenant(s.store, direct.auth.config));
});

afterAll(async () => {
  await close(direct);
  await close(proxied);
  await close(listed);
  await s?.t.drop();
});

describe("auth.nodeHandler on a listening node:http server", () => {
  it("answers GET /session with a bearer token", async () => {
    const { user, issued } = await signedIn();
    const res = await fetch(`${direct.origin}${basePath}/session`, { headers: { authorization: `Bearer ${issued.sessionToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const body = (await res.json()) as { user: { id: string }; session: { id: string } };
    expect(body.user.id).toBe(user.id);
    expect(body.session.id).toBe(issued.session.id);

    const anonymous = await fetch(`${direct.origin}${basePath}/session`);
    expect({ status: anonymous.status, body: await anonymous.json() }).toMatchObject({ status: 401, body: { code: "unauthorized" } });
  });

  it("reads headers straight from Node: CORS preflights, the X-Publishable-Key header and duplicated headers", async () => {
    const preflight = await fetch(`${direct.origin}${basePath}/session`, {
      method: "OPTIONS",
      headers: { origin: "https://spa.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://spa.example");
    const untrusted = await fetch(`${direct.origin}${basePath}/session`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "GET" } });
    expect(untrusted.headers.get("access-control-allow-origin")).toBeNull();

    const app = await direct.auth.api.createApp({ name: "Node", slug: `node-${Date.now()}` });
    const { issued } = await signedIn();
    const foreign = await fetch(`${direct.origin}${basePath}/session`, {
      headers: { authorization: `Bearer ${issued.sessionToken}`, "x-publishable-key": app.publishableKey as string },
    });
    expect(foreign.status).toBe(401);
    const unknown = await fetch(`${direct.origin}${basePath}/session`, { headers: { "x-publishable-key": "pk_live_nope_nope_nope", "x-request-id": "trace-42" } });
    expect(await unknown.json()).toMatchObject({ code: "invalid_publishable_key" });
    expect(unknown.headers.get("x-request-id")).toBe("trace-42"); // set on the Node response, errors included
    const ok = await fetch(`${direct.origin}${basePath}/session`, { headers: { authorization: `Bearer ${issued.sessionToken}`, "user-agent": "agent/1" } });
    expect(ok.status).toBe(200);
  });

  it("answers 404 not_found outside the base path", async () => {
    const res = await fetch(`${direct.origin}/elsewhere`);
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 404, body: { code: "not_found" } });
  });

  it("round-trips the session and refresh cookies: session check, refresh and sign-out by cookie", async () => {
    const { issued } = await signedIn();
    const refreshed = await fetch(`${direct.origin}${basePath}/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: issued.refreshToken }),
    });
    expect(refreshed.status).toBe(200);
    const first = cookieJar(refreshed);
    expect(first.get("authsome_session")).toMatch(/^as_/);
    expect(first.get("authsome_refresh")).toMatch(/^ar_/);

    const checked = await fetch(`${direct.origin}${basePath}/session`, { headers: { cookie: `authsome_session=${first.get("authsome_session")}` } });
    expect(checked.status).toBe(200);

    // The refresh cookie alone (Path=/v1/auth/refresh), from the page's own origin, with an empty body.
    const byCookie = await fetch(`${direct.origin}${basePath}/refresh`, {
      method: "POST",
      headers: { cookie: `authsome_refresh=${first.get("authsome_refresh")}`, origin: direct.origin },
    });
    expect(byCookie.status).toBe(200);
    const second = cookieJar(byCookie);
    expect(second.get("authsome_session")).not.toBe(first.get("authsome_session"));
    const stale = await fetch(`${direct.origin}${basePath}/session`, { headers: { cookie: `authsome_session=${first.get("authsome_session")}` } });
    expect(stale.status).toBe(401);

    const signedOut = await fetch(`${direct.origin}${basePath}/signout`, {
      method: "POST",
      headers: { cookie: `authsome_session=${second.get("authsome_session")}`, origin: direct.origin },
    });
    expect(signedOut.status).toBe(200);
    expect(cookieJar(signedOut).get("authsome_session")).toBe("");
    const after = await fetch(`${direct.origin}${basePath}/session`, { headers: { cookie: `authsome_session=${second.get("authsome_session")}` } });
    expect(after.status).toBe(401);
  });

  it("refuses a cookie-authenticated sign-out from a foreign origin over real HTTP", async () => {
    const { issued } = await signedIn();
    const res = await fetch(`${direct.origin}${basePath}/signout`, {
      method: "POST",
      headers: { cookie: `authsome_session=${issued.sessionToken}`, origin: "https://evil.example.net" },
    });
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 403, body: { code: "invalid_origin" } });
  });
});

describe("client IP", () => {
  it("records the socket address on the session and ignores X-Forwarded-For without trustProxy", async () => {
    const user = await newUser();
    const res = await signInOver(direct, user, { "x-forwarded-for": "198.51.100.7", "user-agent": "node-test/1" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { session: { id: string; ip_address: string; user_agent: string } };
    expect(loopback).toContain(body.session.ip_address);
    expect(body.session.user_agent).toBe("node-test/1");
    const stored = await readSession(s.store, body.session.id);
    expect(loopback).toContain(stored?.ipAddress);
  });

  const ipOf = async (served: Served, forwardedFor?: string) => {
    const res = await signInOver(served, await newUser(), forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { session: { id: string; ip_address: string } };
    expect((await readSession(s.store, body.session.id))?.ipAddress).toBe(body.session.ip_address);
    return body.session.ip_address;
  };

  it("takes the rightmost X-Forwarded-For hop behind one proxy: what the client wrote to its left is ignored", async () => {
    // An appending proxy (nginx's $proxy_add_x_forwarded_for, an ALB) turns a forged "198.51.100.7" into
    // "198.51.100.7, <the client>": the client is what our proxy appended.
    expect(await ipOf(proxied, "198.51.100.7, 203.0.113.20")).toBe("203.0.113.20");
    expect(await ipOf(proxied, "203.0.113.21")).toBe("203.0.113.21");
  });

  it("skips trusted proxies from the right when trustProxy lists them", async () => {
    // Socket 127.0.0.1 and 10.0.0.0/8 are ours; the first address to their left is the client's.
    expect(await ipOf(listed, "198.51.100.7, 203.0.113.30, 10.1.2.3, 10.0.0.9")).toBe("203.0.113.30");
    expect(await ipOf(listed, "10.1.2.3")).toBe("10.1.2.3"); // every hop trusted: the leftmost is the closest we know
  });

  it("falls back to the socket address when the hop that would be the client is not an IP address", async () => {
    for (const forged of ["<script>alert(1)</script>", "unknown", "198.51.100.7, not-an-ip", "", " , "]) {
      expect(loopback, forged).toContain(await ipOf(proxied, forged));
    }
  });

  it("normalises IPv4-mapped IPv6 hops to IPv4, so one client is counted once", async () => {
    expect(await ipOf(proxied, "::ffff:203.0.113.40")).toBe("203.0.113.40");
    expect(await ipOf(proxied, "[2001:DB8::1]")).toBe("2001:db8::1");
  });

  it("falls back to the socket address when trustProxy is true but no X-Forwarded-For is sent", async () => {
    const user = await newUser();
    const res = await signInOver(proxied, user);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { session: { ip_address: string } };
    expect(loopback).toContain(body.session.ip_address);
  });

  it("records the socket address in the sign-out audit event", async () => {
    const { user, issued } = await signedIn();
    const res = await fetch(`${direct.origin}${basePath}/signout`, {
      method: "POST",
      headers: { authorization: `Bearer ${issued.sessionToken}`, "x-forwarded-for": "198.51.100.7" },
    });
    expect(res.status).toBe(200);
    const events = await s.store.auditEvents.list(tenant.app.id, { userId: user.id, type: "session.signed_out" });
    expect(events.items).toHaveLength(1);
    expect(loopback).toContain(events.items[0]?.ipAddress);
  });
});
