// The plugin platform through real HTTP: a sign-in's fixed gates and a plugin's second-factor gate, authenticators
// and permissions, durable events, sealing, declared rate limits, API merging and the lifecycle.
import { createRoute, z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../src/authsome.js";
import type { AuthsomePlugin, PluginContext, Principal, User } from "../../src/plugin/index.js";
import { ValidationError } from "../../src/errors.js";
import { password } from "../../src/plugins/password/index.js";
import { countRows, createTestEngine, type TestEngine, uniqueEmail } from "../support/engine.js";
import { createTestStore, scopeOf } from "../support/store.js";

// A plugin adds its principal kind by declaration merging on `PrincipalKinds` (see src/engine/principal.ts). A test
// file's augmentation would apply to the whole type-checked program, so this one stays a cast.
type TestKeyPrincipal = { kind: "test_key"; user: User; keyId: string };

const secret = "a-test-secret-of-at-least-32-characters";
const pw = "a fine password";

/** A second factor for users whose metadata holds `secondFactor`: the answer must equal it. */
function testGate(): AuthsomePlugin<{ ctx: () => PluginContext }> {
  let saved: PluginContext | undefined;
  const answer = createRoute({
    method: "post",
    path: "/test-gate/answer",
    request: { body: { content: { "application/json": { schema: z.object({ test_ticket: z.string(), answer: z.string() }) } }, required: true } },
    responses: { 200: { description: "Signed in" } },
  });
  return {
    id: "test-gate",
    events: ["test.happened"],
    rateLimits: { testLimit: 2 },
    setup(ctx) {
      saved = ctx;
      ctx.signIns.addGate({
        id: "test-gate",
        ticket: { field: "test_ticket", maxAttempts: 3, ttlSeconds: 120 },
        async check({ user }) {
          return typeof user.metadata.secondFactor === "string" ? { code: "test_factor_required", message: "Answer the test factor", details: { methods: ["test"] } } : null;
        },
      });
      ctx.router.openapi(answer, async (c) => {
        const body = c.req.valid("json");
        const result = await ctx.signIns.resume(body.test_ticket, { gate: "test-gate", meta: c.get("meta"), verify: async ({ user }) => user.metadata.secondFactor === body.answer });
        if (!result) throw new ValidationError("wrong_answer", "Wrong answer", { details: { fields: { answer: "is wrong" } } });
        return ctx.http.sendSignIn(c, result) as never;
      });
      ctx.router.post("/test/limited", async (c) => {
        await ctx.protection.limit("testLimit", c.get("meta"));
        return c.json({ ok: true });
      });
      return { ctx: () => saved as PluginContext };
    },
  };
}

/** An API-key-like authenticator: `X-Test-Key: key-<userId>`. */
function testKeys(): AuthsomePlugin {
  return {
    id: "test-keys",
    setup(ctx) {
      ctx.http.allowHeaders("X-Test-Key");
      ctx.http.addAuthenticator<string>({
        kind: "test_key",
        schemes: [{ name: "testKey", definition: { type: "apiKey", in: "header", name: "X-Test-Key" } }],
        read: (c) => c.req.header("x-test-key"),
        async authenticate(key) {
          const user = key.startsWith("key-") ? await ctx.store.users.findById(scopeOf(ctx.tenant()), key.slice(4)) : null;
          return user ? ({ kind: "test_key", user, keyId: key } satisfies TestKeyPrincipal as unknown as Principal) : null;
        },
      });
      const whoami = createRoute({ method: "get", path: "/test/whoami", middleware: [ctx.http.requireAuth()] as const, responses: { 200: { description: "Who" } } });
      const maybe = createRoute({ method: "get", path: "/test/maybe", middleware: [ctx.http.optionalAuth()] as const, responses: { 200: { description: "Maybe who" } } });
      const reports = createRoute({ method: "get", path: "/test/reports", middleware: [ctx.http.requirePermission("read", "reports")] as const, responses: { 200: { description: "Reports" } } });
      ctx.router.openapi(whoami, (c) => {
        const auth = c.get("auth") as Principal | TestKeyPrincipal;
        return c.json({ kind: auth.kind, user_id: auth.user.id, key: auth.kind === "test_key" ? auth.keyId : null }, 200) as never;
      });
      ctx.router.openapi(maybe, (c) => c.json({ kind: ctx.http.principal(c)?.kind ?? null }, 200) as never);
      ctx.router.openapi(reports, (c) => c.json({ reports: [] }, 200) as never);
      return {};
    },
  };
}

/**
 * A user whose metadata the test gate reads, set after the sign-up: with a gate registered, the sign-up's own session
 * passes the gates too, and this gate would challenge it.
 */
async function signUp(e: TestEngine, metadata: Record<string, unknown> = {}) {
  const email = uniqueEmail("platform");
  const res = await e.call("POST", "/signup", { body: { email, password: pw } });
  expect(res.status).toBe(201);
  await e.t.query("UPDATE authsome_users SET metadata = $2 WHERE id = $1", [res.body.user.id, JSON.stringify(metadata)]);
  return { email, user: res.body.user as { id: string }, token: res.body.session_token as string };
}

describe("completing a sign-in", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({ plugins: [testGate()], config: { trustedOrigins: ["http://spa.test"] } });
  });
  afterAll(() => e.drop());

  it("records the method on the session and its signin.succeeded event, in the same two statements", async () => {
    const { email } = await signUp(e);
    e.t.counter.reset();
    const res = await e.call("POST", "/signin", { body: { email, password: pw } });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(2);
    const [row] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [res.body.session.id]);
    expect(row?.method).toBe("password");
    const [event] = await e.t.query<{ metadata: { method: string; sessionId: string } }>(
      "SELECT metadata FROM authsome_audit_events WHERE type = 'signin.succeeded' AND user_id = $1 AND metadata->>'sessionId' = $2",
      [res.body.user.id, res.body.session.id],
    );
    expect(event?.metadata).toMatchObject({ method: "password", sessionId: res.body.session.id });
  });

  it("stamps what a sign-up and a sign-in create with the engine's clock, not the database's", async () => {
    e.clock.advance(3 * 86_400);
    const at = e.clock.now().getTime();
    const { email, user } = await signUp(e);
    const signedIn = await e.call("POST", "/signin", { body: { email, password: pw } });
    const [row] = await e.t.query<{ user_at: Date; session_at: Date; session_updated: Date }>(
      "SELECT u.created_at AS user_at, s.created_at AS session_at, s.updated_at AS session_updated FROM authsome_users u, authsome_sessions s WHERE u.id = $1 AND s.id = $2",
      [user.id, signedIn.body.session.id],
    );
    expect(new Date(row?.user_at as Date).getTime()).toBe(at);
    expect(new Date(row?.session_at as Date).getTime()).toBe(at);
    expect(new Date(row?.session_updated as Date).getTime()).toBe(at);
  });

  it("a banned user is refused before any second-factor gate", async () => {
    const { email, user } = await signUp(e, { secondFactor: "42" });
    await e.t.query("UPDATE authsome_users SET banned = true, ban_reason = 'spam' WHERE id = $1", [user.id]);
    const res = await e.call("POST", "/signin", { body: { email, password: pw } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "user_banned", details: { reason: "spam" } });
    expect(await countRows(e, "authsome_ceremonies WHERE kind = 'signin:test-gate'")).toBe(0);
  });

  it("a sign-up passes the gates too: a challenged one creates the account and answers the challenge, no session", async () => {
    const email = uniqueEmail("gated-signup");
    const res = await e.call("POST", "/signup", { body: { email, password: pw, metadata: { secondFactor: "11" } } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "test_factor_required", details: { test_ticket: expect.stringMatching(/^st_/) } });
    expect(res.headers.get("set-cookie")).toBeNull();
    const [user] = await e.t.query<{ id: string }>("SELECT id FROM authsome_users WHERE email = $1", [email]);
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user?.id])).toBe(0);
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'user.signed_up'", [user?.id])).toBe(1);
    const right = await e.call("POST", "/test-gate/answer", { body: { test_ticket: res.body.details.test_ticket, answer: "11" } });
    expect(right.status).toBe(200);
    expect(right.body.user.id).toBe(user?.id);
  });

  it("a gate's challenge stops the sign-in: 403 with its ticket, no session; the right answer resumes it", async () => {
    const { email, user } = await signUp(e, { secondFactor: "42" });
    const sessionsBefore = await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id]);
    const challenged = await e.call("POST", "/signin", { body: { email, password: pw } });
    expect(challenged.status).toBe(403);
    expect(challenged.body).toMatchObject({ code: "test_factor_required", details: { methods: ["test"], test_ticket: expect.stringMatching(/^st_/) } });
    expect(challenged.headers.get("set-cookie")).toBeNull();
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id])).toBe(sessionsBefore);

    const ticket = challenged.body.details.test_ticket as string;
    const wrong = await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "41" } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("wrong_answer");
    const right = await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "42" } });
    expect(right.status).toBe(200);
    expect(right.body.user.id).toBe(user.id);
    expect(right.headers.get("set-cookie")).toContain("authsome_session=");
    const [row] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [right.body.session.id]);
    expect(row?.method).toBe("password");
    // Single use.
    const again = await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "42" } });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: "invalid_ticket", details: { fields: { test_ticket: expect.any(String) } } });
  });

  it("burns the ticket at the gate's last wrong answer (429 too_many_attempts), even for the right one after", async () => {
    const { email } = await signUp(e, { secondFactor: "7" });
    const ticket = (await e.call("POST", "/signin", { body: { email, password: pw } })).body.details.test_ticket as string;
    for (let i = 0; i < 2; i++) expect((await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "x" } })).body.code).toBe("wrong_answer");
    const last = await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "x" } });
    expect(last.status).toBe(429);
    expect(last.body).toMatchObject({ code: "too_many_attempts", details: { fields: { test_ticket: expect.any(String) } } });
    const late = await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "7" } });
    expect(late.body.code).toBe("invalid_ticket");
  });

  it("counts wrong answers on the account: at the lockout's count it locks, and no ticket is checked beyond it", async () => {
    const { email } = await signUp(e, { secondFactor: "8" });
    const ticketOf = async () => (await e.call("POST", "/signin", { body: { email, password: pw } })).body.details.test_ticket as string;
    const answer = async (ticket: string, value: string) => (await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: value } })).body.code;
    const codes: string[] = [];
    for (const ticket of [await ticketOf(), await ticketOf()]) for (let i = 0; i < 2; i++) codes.push(await answer(ticket, "x"));
    const last = await ticketOf();
    codes.push(await answer(last, "x")); // the account's 5th wrong answer (the lockout's count) locks it
    codes.push(await answer(last, "8")); // and no answer is checked while it is locked, the right one neither
    expect(codes).toEqual(["wrong_answer", "wrong_answer", "wrong_answer", "wrong_answer", "account_locked", "account_locked"]);
    expect((await e.call("POST", "/signin", { body: { email, password: pw } })).body.code).toBe("account_locked");
  });

  it("does not let password guesses by a stranger stop the owner's right answer", async () => {
    const { email } = await signUp(e, { secondFactor: "4" });
    const ticket = (await e.call("POST", "/signin", { body: { email, password: pw } })).body.details.test_ticket as string;
    for (let i = 0; i < 6; i++) await e.call("POST", "/signin", { body: { email, password: `wrong-guess-${i}-xyz` } });
    expect((await e.call("POST", "/signin", { body: { email, password: pw } })).body.code).toBe("account_locked");
    expect((await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "4" } })).status).toBe(200);
  });

  it("a right answer clears the account's count of failed sign-ins", async () => {
    const { email } = await signUp(e, { secondFactor: "6" });
    for (let round = 0; round < 3; round++) {
      const ticket = (await e.call("POST", "/signin", { body: { email, password: pw } })).body.details.test_ticket as string;
      expect((await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "x" } })).body.code).toBe("wrong_answer");
      expect((await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "6" } })).status).toBe(200);
    }
  });

  it("a ticket expires", async () => {
    const { email } = await signUp(e, { secondFactor: "9" });
    const ticket = (await e.call("POST", "/signin", { body: { email, password: pw } })).body.details.test_ticket as string;
    e.clock.advance(121);
    expect((await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "9" } })).body.code).toBe("invalid_ticket");
  });

  it("a user banned while the challenge is open is refused at resume", async () => {
    const { email, user } = await signUp(e, { secondFactor: "5" });
    const ticket = (await e.call("POST", "/signin", { body: { email, password: pw } })).body.details.test_ticket as string;
    await e.t.query("UPDATE authsome_users SET banned = true WHERE id = $1", [user.id]);
    expect((await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "5" } })).body.code).toBe("user_banned");
  });

  it("a ticket of another app is unknown", async () => {
    const { email } = await signUp(e, { secondFactor: "3" });
    const ticket = (await e.call("POST", "/signin", { body: { email, password: pw } })).body.details.test_ticket as string;
    const other = await e.auth.api.createApp({ name: "Other", slug: `other-${Date.now()}` });
    const res = await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "3" }, headers: { "x-publishable-key": other.publishableKey as string } });
    expect(res.body.code).toBe("invalid_ticket");
    // …and was not burned there: it still works in its own app.
    expect((await e.call("POST", "/test-gate/answer", { body: { test_ticket: ticket, answer: "3" } })).status).toBe(200);
  });

  it("auth.api acts for the selected app only: another app's user and sessions are unknown", async () => {
    const { user } = await signUp(e);
    const other = await e.auth.api.createApp({ name: "Elsewhere", slug: `elsewhere-${Date.now()}` });
    await expect(e.auth.withApp(other.slug, () => e.auth.api.listSessions(user.id))).rejects.toMatchObject({ code: "not_found" });
    await expect(e.auth.withApp(other.slug, () => e.auth.api.revokeOtherSessions(user.id, "ases_01h2xcejqtf2nbrexx3vqjhp41"))).rejects.toMatchObject({ code: "not_found" });
    expect((await e.auth.api.listSessions(user.id)).items.length).toBeGreaterThan(0);
  });

  it("plugin-declared rate limits apply by name and are configurable", async () => {
    const limited = await createTestEngine({ plugins: [testGate()], config: { rateLimits: { testLimit: 2 } } });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.call("POST", "/test/limited")).status);
      expect(codes).toEqual([200, 200, 429]);
    } finally {
      await limited.drop();
    }
  });
});

describe("an unverified email", () => {
  it("is refused with 403 email_not_verified before any gate", async () => {
    const e = await createTestEngine({ plugins: [testGate()], config: { requireEmailVerification: true } });
    try {
      const email = uniqueEmail("unverified");
      expect((await e.call("POST", "/signup", { body: { email, password: pw, metadata: { secondFactor: "1" } } })).status).toBe(201);
      const res = await e.call("POST", "/signin", { body: { email, password: pw } });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("email_not_verified");
      expect(await countRows(e, "authsome_ceremonies WHERE kind = 'signin:test-gate'")).toBe(0);
    } finally {
      await e.drop();
    }
  });
});

describe("authentication strategies", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({ plugins: [testKeys()], config: { trustedOrigins: ["http://spa.test"] } });
  });
  afterAll(() => e.drop());

  it("a plugin's authenticator reaches c.get('auth') as its own principal kind, beside sessions", async () => {
    const { user, token } = await signUp(e);
    expect((await e.call("GET", "/test/whoami", { headers: { "x-test-key": `key-${user.id}` } })).body).toEqual({ kind: "test_key", user_id: user.id, key: `key-${user.id}` });
    expect((await e.call("GET", "/test/whoami", { token })).body).toEqual({ kind: "session", user_id: user.id, key: null });
    const bad = await e.call("GET", "/test/whoami", { headers: { "x-test-key": "key-nobody" } });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe("unauthorized");
    expect((await e.call("GET", "/test/whoami")).status).toBe(401);
    // requireSession stays sessions only.
    expect((await e.call("GET", "/session", { headers: { "x-test-key": `key-${user.id}` } })).status).toBe(401);
  });

  it("optionalAuth sets the principal when there is one and lets anonymous requests through", async () => {
    const { token } = await signUp(e);
    expect((await e.call("GET", "/test/maybe", { token })).body).toEqual({ kind: "session" });
    expect((await e.call("GET", "/test/maybe")).body).toEqual({ kind: null });
    expect((await e.call("GET", "/test/maybe", { token: `as_${"x".repeat(43)}` })).body).toEqual({ kind: null });
  });

  it("requirePermission checks the roles in one statement: 401 anonymous, 403 without, 200 with (inherited)", async () => {
    const { user, token } = await signUp(e);
    expect((await e.call("GET", "/test/reports")).status).toBe(401);
    const denied = await e.call("GET", "/test/reports", { token });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("forbidden");
    const [row] = await e.t.query<{ app_id: string; env_id: string }>("SELECT app_id, env_id FROM authsome_users WHERE id = $1", [user.id]);
    const { app_id: appId, env_id: envId } = row as { app_id: string; env_id: string };
    const parent = await e.store.roles.create({ appId, envId, name: "Reader", slug: `reader-${Date.now()}` });
    const child = await e.store.roles.create({ appId, envId, name: "Analyst", slug: `analyst-${Date.now()}`, parentId: parent.id });
    await e.store.roles.grant(parent.id, "read", "reports");
    await e.store.roles.assign({ appId, envId }, { userId: user.id, roleId: child.id }, new Date());
    e.t.counter.reset();
    const allowed = await e.call("GET", "/test/reports", { headers: { "x-test-key": `key-${user.id}` } });
    expect(allowed.status).toBe(200);
    expect(allowed.statements).toBe(2); // the key's user, then the permission
  });

  it("CORS allow-headers carry a plugin's header", async () => {
    const res = await e.auth.handler(
      new Request("http://localhost/v1/auth/test/whoami", {
        method: "OPTIONS",
        headers: { origin: "http://spa.test", "access-control-request-method": "GET", "access-control-request-headers": "x-test-key" },
      }),
    );
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-test-key");
  });

  it("routes declare their auth in /openapi.json", async () => {
    const doc = (await e.call("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["sessionBearer", "sessionCookie", "testKey"]);
    expect(doc.paths["/session"]?.get?.security).toEqual([{ sessionBearer: [] }, { sessionCookie: [] }]);
    expect(doc.paths["/change-password"]?.post?.security).toEqual([{ sessionBearer: [] }, { sessionCookie: [] }]);
    expect(doc.paths["/verify-email"]?.post?.security).toEqual([{}, { sessionBearer: [] }, { sessionCookie: [] }]);
    expect(doc.paths["/test/whoami"]?.get?.security).toEqual([{ sessionBearer: [] }, { sessionCookie: [] }, { testKey: [] }]);
    expect(doc.paths["/signin"]?.post?.security).toBeUndefined();
  });
});

describe("events, sealing, APIs and the lifecycle", () => {
  let s: Awaited<ReturnType<typeof createTestStore>>;
  beforeAll(async () => {
    s = await createTestStore();
  });
  afterAll(() => s.t.drop());

  const engine = (plugins: AuthsomePlugin[], config: Record<string, unknown> = {}) => {
    const auth = createAuthsome({ store: s.store, plugins: [password(), ...plugins], config: { development: true, rateLimits: false, ...config }, logger: { error() {}, warn() {}, info() {} } });
    return Object.assign(auth, { ctx: () => (auth.api as unknown as { ctx: () => PluginContext }).ctx() });
  };

  it("an event emitted in a rolled-back transaction leaves nothing; a committed one stays", async () => {
    const gate = testGate();
    const auth = engine([gate]);
    await auth.start();
    try {
      const ctx = auth.ctx();
      await expect(
        ctx.store.transaction(async (tx) => {
          await ctx.events.emit("test.happened", { metadata: { n: 1 } }, tx);
          throw new Error("roll it back");
        }),
      ).rejects.toThrow("roll it back");
      expect((await s.t.query<{ n: number }>("SELECT count(*)::int AS n FROM authsome_audit_events WHERE type = 'test.happened'"))[0]?.n).toBe(0);
      await ctx.store.transaction((tx) => ctx.events.emit("test.happened", { metadata: { n: 2 } }, tx));
      expect((await s.t.query<{ n: number }>("SELECT count(*)::int AS n FROM authsome_audit_events WHERE type = 'test.happened'"))[0]?.n).toBe(1);
      await expect(ctx.events.emit("test.undeclared")).rejects.toMatchObject({ code: "unknown_event" });
      expect(ctx.events.catalog().get("test.happened")).toBe("test-gate");
      expect(ctx.events.catalog().get("password.changed")).toBe("password");
    } finally {
      await auth.stop();
    }
  });

  it("seals with the first secret and opens with any configured one (rotation); development keys are generated", async () => {
    const old = "an-old-secret-of-at-least-32-characters!";
    const context = { table: "authsome_test", column: "secret_sealed", rowId: "row_1" };
    const make = (secrets: string | string[] | undefined) => {
      const gate = testGate();
      const auth = engine([gate], secrets === undefined ? {} : { secret: secrets });
      return { ctx: () => auth.ctx() };
    };
    const before = make(old).ctx().sealer.seal("totp-seed", context);
    const rotated = make([secret, old]).ctx().sealer;
    expect(rotated.open(before, context)).toBe("totp-seed");
    const after = rotated.seal("totp-seed", context);
    expect(make(secret).ctx().sealer.open(after, context)).toBe("totp-seed");
    expect(() => make(secret).ctx().sealer.open(before, context)).toThrow(expect.objectContaining({ code: "unseal_failed" }));
    // Development without a secret: a generated one per engine, never a fixed key.
    const dev = make(undefined).ctx().sealer.seal("x", context);
    expect(() => make(undefined).ctx().sealer.open(dev, context)).toThrow(expect.objectContaining({ code: "unseal_failed" }));
  });

  it("refuses a plugin API name that clashes, an event or limit two owners declare, and an undeclared configured limit", () => {
    const clash: AuthsomePlugin = { id: "clash", setup: () => ({ signIn: () => null }) };
    expect(() => engine([clash])).toThrow(expect.objectContaining({ code: "invalid_config", message: expect.stringContaining("auth.api.signIn") }));
    const coreClash: AuthsomePlugin = { id: "core-clash", setup: () => ({ getSession: () => null }) };
    expect(() => engine([coreClash])).toThrow(expect.objectContaining({ code: "invalid_config" }));
    const sameEvent: AuthsomePlugin = { id: "same-event", events: ["password.changed"] };
    expect(() => engine([sameEvent])).toThrow(expect.objectContaining({ code: "invalid_config" }));
    const sameLimit: AuthsomePlugin = { id: "same-limit", rateLimits: { signIn: 5 } };
    expect(() => engine([sameLimit])).toThrow(expect.objectContaining({ code: "invalid_config" }));
    const samePurge: AuthsomePlugin = { id: "same-purge", setup: (ctx) => (ctx.lifecycle.onPurge("sessions", async () => 0), {}) };
    expect(() => engine([samePurge])).toThrow(expect.objectContaining({ code: "invalid_config", message: expect.stringContaining('"sessions"') }));
    expect(() => engine([], { rateLimits: { noSuchLimit: 3 } })).toThrow(expect.objectContaining({ code: "invalid_config", message: expect.stringContaining("config.rateLimits.noSuchLimit") }));
  });

  it("runs plugins' start, stop and purge contributions, and hands them the injected fetch", async () => {
    const calls: string[] = [];
    const injected: typeof fetch = async () => new Response("stub");
    let seenFetch: typeof fetch | undefined;
    const lifecycle: AuthsomePlugin = {
      id: "lifecycle",
      setup(ctx) {
        seenFetch = ctx.fetch;
        ctx.lifecycle.onStart(() => void calls.push("start"));
        ctx.lifecycle.onStop(() => void calls.push("stop"));
        ctx.lifecycle.onPurge("lifecycleRows", async (now) => {
          calls.push(`purge:${now instanceof Date}`);
          return 3;
        });
        return {};
      },
    };
    const auth = createAuthsome({ store: s.store, plugins: [lifecycle], config: { development: true }, fetch: injected });
    expect(calls).toEqual([]);
    await auth.start();
    expect(calls).toEqual(["start"]);
    expect(await (await (seenFetch as typeof fetch)("http://unused.test")).text()).toBe("stub");
    const counts = await auth.api.purgeExpired();
    expect(counts.lifecycleRows).toBe(3);
    await auth.stop();
    expect(calls).toEqual(["start", "purge:true", "stop"]);
  });
});
