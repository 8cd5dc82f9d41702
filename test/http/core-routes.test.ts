// The core HTTP API of the contract (docs/http-api.md), through `auth.handler(new Request(…))`. Sessions are
// issued with the session service on the same store, for users created in the app and environment `start()` ensured.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/crypto/tokens.js";
import { createAuthsome } from "../../src/authsome.js";
import type { IssuedSession, SessionService } from "../../src/engine/services/sessions.js";
import type { User } from "../../src/store/contract/index.js";
import { createTestStore, scopeOf, servedTenant, type Tenant, type TestStore } from "../support/store.js";

const basePath = "/v1/auth";
const origin = "http://localhost";
// A long app cache: a background refresh of the app must not land inside a counted request.
const config = { development: true, basePath, rateLimits: false, appCacheTTL: "1h" } as const;

let s: TestStore;
let auth: ReturnType<typeof createAuthsome>;
let tenant: Tenant;
let sessions: SessionService;

interface Call {
  token?: string;
  cookie?: string;
  /** A value to send as JSON, or a raw string body. */
  body?: unknown;
  headers?: Record<string, string>;
}

function request(method: string, path: string, call: Call = {}): Request {
  const headers = new Headers(call.headers);
  if (call.token) headers.set("authorization", `Bearer ${call.token}`);
  if (call.cookie) headers.set("cookie", call.cookie);
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return new Request(`${origin}${basePath}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
}

function send(method: string, path: string, call: Call = {}, target = auth): Promise<Response> {
  return target.handler(request(method, path, call));
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Status and body together, so a failure shows what the server said. */
async function outcome(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: await json(res) };
}

let emails = 0;
async function newUser(overrides: Partial<Parameters<TestStore["store"]["users"]["create"]>[0]> = {}): Promise<User> {
  emails += 1;
  return s.store.users.create({ appId: tenant.app.id, envId: tenant.env.id, email: `core-${emails}-${Date.now()}@example.com`, ...overrides });
}

async function signedIn(user?: User): Promise<{ user: User; issued: IssuedSession }> {
  const u = user ?? (await newUser());
  return { user: u, issued: await sessions.issue(u, { ipAddress: "203.0.113.9", userAgent: "vitest" }) };
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

function setCookies(res: Response): Map<string, SetCookie> {
  const out = new Map<string, SetCookie>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = "", ...attrs] = line.split(";").map((part) => part.trim());
    const eq = pair.indexOf("=");
    const attributes = new Map<string, string>();
    for (const attr of attrs) {
      const i = attr.indexOf("=");
      attributes.set((i < 0 ? attr : attr.slice(0, i)).toLowerCase(), i < 0 ? "" : attr.slice(i + 1));
    }
    out.set(pair.slice(0, eq), { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes });
  }
  return out;
}

const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

beforeAll(async () => {
  s = await createTestStore();
  auth = createAuthsome({ store: s.store, config });
  await auth.start();
  ({ tenant, sessions } = await servedTenant(s.store, auth.config));
});

afterAll(async () => {
  await auth?.stop();
  await s?.t.drop();
});

describe("GET /health and the start gate", () => {
  it("answers 200 {status: ok}", async () => {
    const res = await send("GET", "/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("answers 503 not_started on every route but /health and /openapi.json before start()", async () => {
    const unstarted = createAuthsome({ store: s.store, config });
    try {
      expect((await send("GET", "/health", {}, unstarted)).status).toBe(200);
      expect((await send("GET", "/openapi.json", {}, unstarted)).status).toBe(200);
      const { issued } = await signedIn();
      const routes: Array<[string, string, Call]> = [
        ["GET", "/session", { token: issued.sessionToken }],
        ["POST", "/signout", { token: issued.sessionToken }],
        ["POST", "/refresh", { body: { refresh_token: issued.refreshToken } }],
        ["GET", "/sessions", { token: issued.sessionToken }],
        ["DELETE", "/sessions", { token: issued.sessionToken }],
        ["DELETE", `/sessions/${issued.session.id}`, { token: issued.sessionToken }],
        ["GET", "/me", { token: issued.sessionToken }],
        ["PATCH", "/me", { token: issued.sessionToken, body: { first_name: "X" } }],
        ["DELETE", "/me", { token: issued.sessionToken }],
        ["POST", "/introspect", { body: { token: issued.sessionToken } }],
      ];
      for (const [method, path, call] of routes) {
        const res = await send(method, path, call, unstarted);
        expect({ route: `${method} ${path}`, ...(await outcome(res)) }).toMatchObject({
          route: `${method} ${path}`,
          status: 503,
          body: { code: "not_started", error: expect.any(String) },
        });
      }
      // The gate changed nothing: the session still works on the started instance.
      expect((await send("GET", "/session", { token: issued.sessionToken })).status).toBe(200);
    } finally {
      await unstarted.stop();
    }
  });
});

describe("GET /session", () => {
  it("returns the user and session in snake_case with UTC timestamps and no token or hash anywhere", async () => {
    const { user, issued } = await signedIn();
    const res = await send("GET", "/session", { token: issued.sessionToken });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as { user: Record<string, unknown>; session: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(["session", "user"]);
    expect(Object.keys(body.user).sort()).toEqual(
      [
        "id", "app_id", "env_id", "email", "email_verified", "first_name", "last_name", "image", "username",
        "display_username", "phone", "phone_verified", "banned", "ban_reason", "ban_expires", "metadata",
        "created_at", "updated_at",
      ].sort(),
    );
    expect(Object.keys(body.session).sort()).toEqual(
      ["id", "user_id", "app_id", "env_id", "ip_address", "user_agent", "created_at", "expires_at", "refresh_expires_at"].sort(),
    );
    expect(body.user).toMatchObject({ id: user.id, email: user.email, app_id: tenant.app.id, env_id: tenant.env.id, ban_expires: null });
    expect(body.session).toMatchObject({ id: issued.session.id, user_id: user.id, ip_address: "203.0.113.9", user_agent: "vitest" });
    for (const value of [body.user.created_at, body.user.updated_at, body.session.created_at, body.session.expires_at, body.session.refresh_expires_at]) {
      expect(value).toMatch(isoUtc);
    }
    expect(body.session.expires_at).toBe(issued.session.expiresAt.toISOString());
    expect(keysOf(body).filter((k) => /token|hash|password/i.test(k))).toEqual([]);
    for (const secret of [issued.sessionToken, issued.refreshToken, hashToken(issued.sessionToken), hashToken(issued.refreshToken)]) {
      expect(text).not.toContain(secret);
    }
  });

  it("answers 401 unauthorized without a token, with an unknown token and with a malformed one", async () => {
    const { issued } = await signedIn();
    const unknown = `as_${"A".repeat(43)}`;
    for (const call of [{}, { token: unknown }, { token: "not-a-token" }, { token: issued.refreshToken }, { headers: { authorization: "Basic abc" } }]) {
      const res = await send("GET", "/session", call);
      expect(await outcome(res)).toEqual({ status: 401, body: { code: "unauthorized", error: expect.any(String) } });
    }
  });

  it("accepts the session cookie like a bearer token, and rejects a bad cookie", async () => {
    const { user, issued } = await signedIn();
    const good = await send("GET", "/session", { cookie: `authsome_session=${issued.sessionToken}` });
    expect(good.status).toBe(200);
    expect(((await good.json()) as { user: { id: string } }).user.id).toBe(user.id);
    const bad = await send("GET", "/session", { cookie: `authsome_session=as_${"B".repeat(43)}` });
    expect(await outcome(bad)).toMatchObject({ status: 401, body: { code: "unauthorized" } });
  });

  it("costs exactly one SQL statement with a valid bearer token", async () => {
    const { issued } = await signedIn();
    expect((await send("GET", "/session", { token: issued.sessionToken })).status).toBe(200); // warm up
    s.t.counter.reset();
    const res = await send("GET", "/session", { token: issued.sessionToken });
    expect(res.status).toBe(200);
    expect(s.t.counter.statements).toHaveLength(1);
    expect(s.t.counter.statements[0]).toMatch(/^\s*select/i);
  });
});

describe("POST /signout", () => {
  it("answers {status: signed_out}, clears both cookies, and the tokens stop working", async () => {
    const { issued } = await signedIn();
    const res = await send("POST", "/signout", { token: issued.sessionToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "signed_out" });
    const cookies = setCookies(res);
    expect(cookies.get("authsome_session")?.attributes.get("max-age")).toBe("0");
    expect(cookies.get("authsome_session")?.attributes.get("path")).toBe("/");
    expect(cookies.get("authsome_refresh")?.attributes.get("max-age")).toBe("0");
    expect(cookies.get("authsome_refresh")?.attributes.get("path")).toBe(`${basePath}/refresh`);
    expect((await send("GET", "/session", { token: issued.sessionToken })).status).toBe(401);
    const refreshed = await send("POST", "/refresh", { body: { refresh_token: issued.refreshToken } });
    expect(refreshed.status).toBe(401);
  });

  it("answers 401 unauthorized without a session", async () => {
    const res = await send("POST", "/signout");
    expect(await outcome(res)).toMatchObject({ status: 401, body: { code: "unauthorized" } });
  });
});

describe("POST /refresh", () => {
  it("exchanges a refresh token in the body for a new pair, retires the old access token and sets both cookies", async () => {
    const { user, issued } = await signedIn();
    const res = await send("POST", "/refresh", { body: { refresh_token: issued.refreshToken } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { session_token: string; refresh_token: string; expires_at: string };
    expect(Object.keys(body).sort()).toEqual(["expires_at", "refresh_token", "session_token"]);
    expect(body.session_token).toMatch(/^as_[A-Za-z0-9_-]{43}$/);
    expect(body.refresh_token).toMatch(/^ar_[A-Za-z0-9_-]{43}$/);
    expect(body.session_token).not.toBe(issued.sessionToken);
    expect(body.refresh_token).not.toBe(issued.refreshToken);
    expect(body.expires_at).toMatch(isoUtc);

    expect(await outcome(await send("GET", "/session", { token: issued.sessionToken }))).toMatchObject({ status: 401, body: { code: "unauthorized" } });
    const current = await send("GET", "/session", { token: body.session_token });
    expect(current.status).toBe(200);
    expect(((await current.json()) as { user: { id: string } }).user.id).toBe(user.id);

    const cookies = setCookies(res);
    const session = cookies.get("authsome_session");
    expect(session?.value).toBe(body.session_token);
    expect(session?.attributes.get("path")).toBe("/");
    expect(session?.attributes.has("httponly")).toBe(true);
    expect(session?.attributes.get("samesite")).toBe("Lax");
    expect(session?.attributes.get("max-age")).toBe(String(auth.config.session.tokenTtlSeconds));
    expect(session?.attributes.has("secure")).toBe(false); // plain http
    const refresh = cookies.get("authsome_refresh");
    expect(refresh?.value).toBe(body.refresh_token);
    expect(refresh?.attributes.get("path")).toBe(`${basePath}/refresh`);
    expect(refresh?.attributes.has("httponly")).toBe(true);
    expect(refresh?.attributes.get("samesite")).toBe("Lax");
    expect(refresh?.attributes.get("max-age")).toBe(String(auth.config.session.refreshTokenTtlSeconds));
  });

  it("reads the refresh cookie when the body is empty", async () => {
    const { issued } = await signedIn();
    const res = await send("POST", "/refresh", { cookie: `authsome_refresh=${issued.refreshToken}`, headers: { origin } });
    const { status, body } = await outcome(res);
    expect({ status, code: body.code }).toEqual({ status: 200, code: undefined });
    expect(body.session_token).toMatch(/^as_/);
    expect((await send("GET", "/session", { token: body.session_token as string })).status).toBe(200);
    expect((await send("GET", "/session", { token: issued.sessionToken })).status).toBe(401);
  });

  it("answers 401 invalid_refresh_token for an unknown refresh token and clears both cookies", async () => {
    const res = await send("POST", "/refresh", { body: { refresh_token: `ar_${"C".repeat(43)}` } });
    expect(await outcome(res)).toEqual({ status: 401, body: { code: "invalid_refresh_token", error: expect.any(String) } });
    const cookies = setCookies(res);
    expect(cookies.get("authsome_session")?.attributes.get("max-age")).toBe("0");
    expect(cookies.get("authsome_refresh")?.attributes.get("max-age")).toBe("0");
  });

  it("answers 401 invalid_refresh_token when no refresh token is presented", async () => {
    const res = await send("POST", "/refresh", { body: {} });
    expect(await outcome(res)).toMatchObject({ status: 401, body: { code: "invalid_refresh_token" } });
  });
});

describe("GET /sessions", () => {
  it("lists the caller's sessions with current: true only on the caller's", async () => {
    const { user, issued } = await signedIn();
    const { issued: other } = await signedIn(user);
    await signedIn(); // another user's session is not listed
    const res = await send("GET", "/sessions", { token: issued.sessionToken });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<Record<string, unknown>>; next_cursor: string | null };
    expect(body.next_cursor).toBeNull();
    expect(body.items.map((i) => i.id).sort()).toEqual([issued.session.id, other.session.id].sort());
    expect(body.items.find((i) => i.id === issued.session.id)?.current).toBe(true);
    expect(body.items.find((i) => i.id === other.session.id)?.current).toBe(false);
    expect(body.items.every((i) => i.user_id === user.id)).toBe(true);
    expect(keysOf(body).filter((k) => /token|hash/i.test(k))).toEqual([]);
  });

  it("pages with ?limit= and next_cursor, returning every session exactly once", async () => {
    const { user, issued } = await signedIn();
    const ids = [issued.session.id];
    for (let i = 0; i < 4; i++) ids.push((await signedIn(user)).issued.session.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const res = await send("GET", `/sessions${query}`, { token: issued.sessionToken });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ id: string }>; next_cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(ids.sort());
  });

  it("answers 400 invalid_request for a bad limit or cursor", async () => {
    const { issued } = await signedIn();
    for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?limit=1.5", "?cursor=nope"]) {
      const res = await send("GET", `/sessions${query}`, { token: issued.sessionToken });
      expect({ query, ...(await outcome(res)) }).toMatchObject({ query, status: 400, body: { code: "invalid_request" } });
    }
  });
});

describe("DELETE /sessions/:id and DELETE /sessions", () => {
  it("revokes one of the caller's own sessions", async () => {
    const { user, issued } = await signedIn();
    const { issued: other } = await signedIn(user);
    const res = await send("DELETE", `/sessions/${other.session.id}`, { token: issued.sessionToken });
    expect(await outcome(res)).toEqual({ status: 200, body: { status: "ok" } });
    expect((await send("GET", "/session", { token: other.sessionToken })).status).toBe(401);
    expect((await send("GET", "/session", { token: issued.sessionToken })).status).toBe(200);
  });

  it("answers 404 for another user's session and leaves it working", async () => {
    const { issued } = await signedIn();
    const { issued: stranger } = await signedIn();
    const res = await send("DELETE", `/sessions/${stranger.session.id}`, { token: issued.sessionToken });
    expect(await outcome(res)).toMatchObject({ status: 404, body: { code: "not_found" } });
    expect((await send("GET", "/session", { token: stranger.sessionToken })).status).toBe(200);
  });

  it("answers 400 invalid_request for a malformed session id", async () => {
    const { issued } = await signedIn();
    const res = await send("DELETE", "/sessions/not-an-id", { token: issued.sessionToken });
    const { status, body } = await outcome(res);
    expect({ status, code: body.code }).toEqual({ status: 400, code: "invalid_request" });
    expect((body.details as { fields: Record<string, string> }).fields).toHaveProperty("id");
  });

  it("revokes every session of the caller but the current one", async () => {
    const { user, issued } = await signedIn();
    const others = [(await signedIn(user)).issued, (await signedIn(user)).issued];
    const { issued: stranger } = await signedIn();
    const res = await send("DELETE", "/sessions", { token: issued.sessionToken });
    expect(await outcome(res)).toEqual({ status: 200, body: { status: "ok", revoked: 2 } });
    for (const o of others) expect((await send("GET", "/session", { token: o.sessionToken })).status).toBe(401);
    expect((await send("GET", "/session", { token: issued.sessionToken })).status).toBe(200);
    expect((await send("GET", "/session", { token: stranger.sessionToken })).status).toBe(200);
  });
});

describe("/me", () => {
  it("GET returns the caller's user", async () => {
    const { user, issued } = await signedIn();
    const res = await send("GET", "/me", { token: issued.sessionToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.id, email: user.email, email_verified: false, created_at: expect.stringMatching(isoUtc) });
  });

  it("PATCH updates the profile, storing the username lower-cased and keeping its display form", async () => {
    const { user, issued } = await signedIn();
    const res = await send("PATCH", "/me", {
      token: issued.sessionToken,
      body: { first_name: "Ada", last_name: "Lovelace", username: "Ada.Lovelace", metadata: { theme: "dark" } },
    });
    expect(await outcome(res)).toMatchObject({
      status: 200,
      body: { id: user.id, first_name: "Ada", last_name: "Lovelace", username: "ada.lovelace", display_username: "Ada.Lovelace", metadata: { theme: "dark" } },
    });
    const stored = await s.store.users.findById(scopeOf(user), user.id);
    expect(stored).toMatchObject({ firstName: "Ada", username: "ada.lovelace", displayUsername: "Ada.Lovelace" });
    const me = await json(await send("GET", "/me", { token: issued.sessionToken }));
    expect(me).toMatchObject({ first_name: "Ada", username: "ada.lovelace" });
  });

  it("PATCH answers 400 invalid_request naming an unknown field in details.fields", async () => {
    const { user, issued } = await signedIn();
    const res = await send("PATCH", "/me", { token: issued.sessionToken, body: { first_name: "Eve", nickname: "evil" } });
    const { status, body } = await outcome(res);
    expect({ status, code: body.code }).toEqual({ status: 400, code: "invalid_request" });
    expect((body.details as { fields: Record<string, string> }).fields).toHaveProperty("nickname");
    expect((await s.store.users.findById(scopeOf(user), user.id))?.firstName).not.toBe("Eve");
  });

  it("PATCH answers 400 invalid_request for a wrongly typed field", async () => {
    const { issued } = await signedIn();
    const res = await send("PATCH", "/me", { token: issued.sessionToken, body: { first_name: 42 } });
    const { status, body } = await outcome(res);
    expect({ status, code: body.code }).toEqual({ status: 400, code: "invalid_request" });
    expect((body.details as { fields: Record<string, string> }).fields).toHaveProperty("first_name");
  });

  it("PATCH answers 409 username_taken for another user's username, whatever its case", async () => {
    const taken = `taken${Date.now()}`;
    await newUser({ username: taken, displayUsername: taken });
    const { user, issued } = await signedIn();
    const res = await send("PATCH", "/me", { token: issued.sessionToken, body: { username: taken.toUpperCase() } });
    expect(await outcome(res)).toMatchObject({ status: 409, body: { code: "username_taken" } });
    expect((await s.store.users.findById(scopeOf(user), user.id))?.username).not.toBe(taken);
  });

  it("DELETE soft-deletes the account: its tokens stop working and its email is free again", async () => {
    const { user, issued } = await signedIn();
    const { issued: second } = await signedIn(user);
    const res = await send("DELETE", "/me", { token: issued.sessionToken });
    expect(await outcome(res)).toEqual({ status: 200, body: { status: "deleted" } });
    expect((await send("GET", "/session", { token: issued.sessionToken })).status).toBe(401);
    expect((await send("GET", "/session", { token: second.sessionToken })).status).toBe(401);
    expect((await send("GET", "/me", { token: issued.sessionToken })).status).toBe(401);
    expect(await s.store.users.findById(scopeOf(user), user.id)).toBeNull();
    const reborn = await s.store.users.create({ appId: tenant.app.id, envId: tenant.env.id, email: user.email });
    expect(reborn.id).not.toBe(user.id);
  });
});

describe("POST /introspect", () => {
  it("reports a valid session token as active with its user, session, app and expiry", async () => {
    const { user, issued } = await signedIn();
    const res = await send("POST", "/introspect", { body: { token: issued.sessionToken } });
    expect(await outcome(res)).toEqual({
      status: 200,
      body: {
        active: true,
        user_id: user.id,
        session_id: issued.session.id,
        app_id: tenant.app.id,
        expires_at: issued.session.expiresAt.toISOString(),
      },
    });
  });

  it("reports an unknown, malformed or revoked token as inactive and nothing else", async () => {
    const { issued } = await signedIn();
    await sessions.signOut(issued.session.id);
    for (const token of [issued.sessionToken, `as_${"D".repeat(43)}`, "garbage"]) {
      const res = await send("POST", "/introspect", { body: { token } });
      expect(await outcome(res)).toEqual({ status: 200, body: { active: false } });
    }
  });
});

describe("error bodies and request ids", () => {
  it("answers 404 not_found for an unknown route, inside and outside the base path", async () => {
    for (const url of [`${origin}${basePath}/nope`, `${origin}/elsewhere`]) {
      const res = await auth.handler(new Request(url));
      expect(await outcome(res)).toEqual({ status: 404, body: { code: "not_found", error: expect.any(String) } });
    }
  });

  it("answers 400 invalid_request for malformed JSON", async () => {
    const res = await send("POST", "/introspect", { body: '{"token": ' });
    expect(await outcome(res)).toMatchObject({ status: 400, body: { code: "invalid_request", error: expect.any(String) } });
  });

  it("answers 415 unsupported_media_type for a body that is not JSON", async () => {
    const res = await send("POST", "/introspect", { body: "token=abc", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(await outcome(res)).toMatchObject({ status: 415, body: { code: "unsupported_media_type" } });
  });

  it("answers 413 payload_too_large for a 70 KB body", async () => {
    const res = await send("POST", "/introspect", { body: { token: "x".repeat(70 * 1024) } });
    expect(await outcome(res)).toMatchObject({ status: 413, body: { code: "payload_too_large" } });
  });

  it("gives every response an x-request-id and echoes a sane incoming one", async () => {
    const { issued } = await signedIn();
    const responses = [
      await send("GET", "/health"),
      await send("GET", "/session", { token: issued.sessionToken }),
      await send("GET", "/session"),
      await send("GET", "/nope"),
      await send("POST", "/introspect", { body: "{" }),
    ];
    for (const res of responses) expect(res.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    const ids = new Set(responses.map((r) => r.headers.get("x-request-id")));
    expect(ids.size).toBe(responses.length);

    const echoed = await send("GET", "/session", { headers: { "x-request-id": "req-42.abc_DEF" } });
    expect(echoed.headers.get("x-request-id")).toBe("req-42.abc_DEF");
    for (const insane of ["has spaces in it", "a".repeat(200), "<script>"]) {
      const res = await send("GET", "/health", { headers: { "x-request-id": insane } });
      const id = res.headers.get("x-request-id");
      expect(id).not.toBe(insane);
      expect(id).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    }
  });
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document listing every core path", async () => {
    const res = await send("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\.1\./);
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        "GET /health",
        "GET /session",
        "POST /signout",
        "POST /refresh",
        "GET /sessions",
        "DELETE /sessions",
        "DELETE /sessions/{id}",
        "GET /me",
        "PATCH /me",
        "DELETE /me",
        "POST /introspect",
      ]),
    );
  });
});

describe("edge cases of the core routes", () => {
  it("signs out in at most two SQL statements (the check, then the revoke with its audit event)", async () => {
    const { user, issued } = await signedIn();
    s.t.counter.reset();
    const res = await send("POST", "/signout", { token: issued.sessionToken });
    expect(res.status).toBe(200);
    expect(s.t.counter.statements.length).toBeLessThanOrEqual(2);
    const audit = await s.store.auditEvents.list(tenant.app.id, { userId: user.id, type: "session.signed_out" });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]?.metadata).toMatchObject({ sessionId: issued.session.id });
  });

  it("answers 400 invalid_request naming the field, not 500, for a NUL character and changes nothing", async () => {
    const { user, issued } = await signedIn();
    for (const [body, field] of [[{ first_name: "a\u0000b" }, "first_name"], [{ metadata: { note: "\u0000" } }, "metadata.note"]] as const) {
      const res = await outcome(await send("PATCH", "/me", { token: issued.sessionToken, body }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_request", details: { fields: { [field]: expect.any(String) } } });
    }
    expect((await s.store.users.findById(scopeOf(user), user.id))?.firstName).toBe(user.firstName);
  });

  it("answers 405 with Allow for a method a path does not have, even without credentials", async () => {
    for (const [method, path, allow] of [["PUT", "/session", "GET, HEAD"], ["POST", "/me", "GET, HEAD, PATCH, DELETE"], ["PUT", "/sessions", "GET, HEAD, DELETE"]] as const) {
      const res = await send(method, path);
      expect({ status: res.status, allow: res.headers.get("allow") }, `${method} ${path}`).toMatchObject({ status: 405 });
      expect((res.headers.get("allow") ?? "").split(", ").sort()).toEqual(allow.split(", ").sort());
      expect((await outcome(res)).body.code).toBe("method_not_allowed");
    }
  });
});
