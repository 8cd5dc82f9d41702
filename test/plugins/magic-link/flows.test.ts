// The magic-link plugin end to end over HTTP (and in process): a mailed link signs in — or signs up, when allowed —
// once, before it expires; the token is stored only hashed; redirect targets are checked; an unknown address costs
// the request what a known one does; bans, second-factor gates and the per-address and per-IP limits apply.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthsomePlugin, hashToken } from "../../../src/plugin/index.js";
import { type MagicLinkApi, magicLink } from "../../../src/plugins/magic-link/index.js";
import { type CallOptions, type CallResult, countRows, createTestEngine, linkIn, type TestEngine, uniqueEmail } from "../../support/engine.js";

const pw = "a fine password";
const meta = { ipAddress: "203.0.113.7", userAgent: "in-process" };

/** A second factor for users whose metadata asks for one (so one engine serves every test). */
const testSecondFactor: AuthsomePlugin = {
  id: "test-2fa",
  setup(ctx) {
    ctx.signIns.addGate({
      id: "test-2fa",
      check: async ({ user }) => (user.metadata.twoFactor === true ? { code: "second_factor_required", message: "Answer the second factor" } : null),
    });
    return {};
  },
};

interface Account {
  id: string;
  email: string;
  scope: { appId: string; envId: string };
}

/**
 * A password sign-up (unverified), with its mail cleared away; `metadata` is set after it (the sign-up's own session
 * passes the test gate, which would challenge a user signing up with `twoFactor`).
 */
async function signUp(e: TestEngine, tag: string, extra: { metadata?: Record<string, unknown> } = {}): Promise<Account> {
  const email = uniqueEmail(tag);
  const res = await e.call("POST", "/signup", { body: { email, password: pw } });
  expect(res.status).toBe(201);
  e.mailer.clear();
  const user = res.body.user;
  if (extra.metadata) await e.t.query("UPDATE authsome_users SET metadata = $2 WHERE id = $1", [user.id, JSON.stringify(extra.metadata)]);
  return { id: user.id, email, scope: { appId: user.app_id, envId: user.env_id } };
}

/** The token of the last link mailed to `email`, or undefined. */
function tokenMailedTo(e: TestEngine, email: string): string | undefined {
  const mail = e.mailer.lastTo(email);
  return mail ? (linkIn(mail.text).searchParams.get("token") ?? undefined) : undefined;
}

/** Asks for a link; returns the token mailed. */
async function sendLink(e: TestEngine, email: string, body: Record<string, unknown> = {}, options: CallOptions = {}): Promise<string> {
  e.mailer.clear();
  const res = await e.call("POST", "/magic-link/send", { ...options, body: { email, ...body } });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: "ok" });
  const token = tokenMailedTo(e, email);
  if (!token) throw new Error(`no link mailed to ${email}`);
  return token;
}

const verify = (e: TestEngine, token: string, options: CallOptions = {}): Promise<CallResult> => e.call("POST", "/magic-link/verify", { ...options, body: { token } });

async function sessionMethod(e: TestEngine, sessionId: string): Promise<string | undefined> {
  const [row] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [sessionId]);
  return row?.method;
}

async function isVerified(e: TestEngine, userId: string): Promise<boolean | undefined> {
  const [row] = await e.t.query<{ email_verified: boolean }>("SELECT email_verified FROM authsome_users WHERE id = $1", [userId]);
  return row?.email_verified;
}

function expectInvalidToken(res: CallResult): void {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ code: "invalid_token", details: { fields: { token: expect.any(String) } } });
}

describe("the magic-link plugin", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({ plugins: [magicLink(), testSecondFactor] });
  });
  afterAll(async () => {
    await e?.drop();
  });

  it("signs a known user in: a working session of method magic_link, the email verified, is_new_user false", async () => {
    const user = await signUp(e, "ml-known");
    expect(await isVerified(e, user.id)).toBe(false);
    const token = await sendLink(e, user.email);
    expect(token).toMatch(/^ml_/);
    const mail = e.mailer.lastTo(user.email);
    expect(mail?.subject).toBe("Your sign-in link");
    expect(mail?.text).toContain(`http://app.test/magic-link?token=${token}`);
    expect(mail?.text).toContain("15 minutes");
    expect(mail?.html).toContain(`<a href="http://app.test/magic-link?token=${token}">`);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'magic_link.sent' AND user_id = $1", [user.id])).toBe(1);
    expect(await countRows(e, "authsome_notifications WHERE type = 'magic_link' AND user_id = $1", [user.id])).toBe(1);

    const res = await verify(e, token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: user.id, email: user.email, email_verified: true }, is_new_user: false, redirect_to: null });
    expect(res.body.session_token).toEqual(expect.any(String));
    const session = await e.call("GET", "/session", { token: res.body.session_token });
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe(user.id);
    expect(await sessionMethod(e, res.body.session.id)).toBe("magic_link");
    expect(await isVerified(e, user.id)).toBe(true);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'user.email_verified' AND user_id = $1 AND metadata->>'method' = 'magic_link'", [user.id])).toBe(1);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'signin.succeeded' AND user_id = $1 AND metadata->>'method' = 'magic_link'", [user.id])).toBe(1);
  });

  it("verifies an already verified user's link in 3 statements (consume, find the user, the session with its event)", async () => {
    const user = await signUp(e, "ml-statements");
    expect((await verify(e, await sendLink(e, user.email))).status).toBe(200); // now verified
    const token = await sendLink(e, user.email);
    e.t.counter.reset();
    const res = await verify(e, token);
    expect(res.status).toBe(200);
    expect(res.statements).toBe(3);
  });

  it("signs an unknown address up, verified: is_new_user true and user.signed_up with method magic_link", async () => {
    const email = uniqueEmail("ml-new");
    e.mailer.clear();
    expect((await e.call("POST", "/magic-link/send", { body: { email: `  ${email.toUpperCase()} ` } })).status).toBe(200);
    expect(e.mailer.messages.map((m) => m.to)).toEqual([email]); // the normalised address
    const token = tokenMailedTo(e, email) as string;
    expect(await countRows(e, "authsome_audit_events WHERE type = 'magic_link.sent' AND user_id IS NULL")).toBeGreaterThan(0);
    expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(0); // nothing until the link is followed

    const res = await verify(e, token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email, email_verified: true, first_name: "", last_name: "" }, is_new_user: true, redirect_to: null });
    const id = res.body.user.id as string;
    expect(await isVerified(e, id)).toBe(true);
    expect(await sessionMethod(e, res.body.session.id)).toBe("magic_link");
    expect(await countRows(e, "authsome_audit_events WHERE type = 'user.signed_up' AND user_id = $1 AND metadata->>'method' = 'magic_link'", [id])).toBe(1);
    expect((await e.call("GET", "/session", { token: res.body.session_token })).body.user.id).toBe(id);

    // The next link for that address signs in to the same account.
    const again = await verify(e, await sendLink(e, email));
    expect(again.body).toMatchObject({ user: { id }, is_new_user: false });
  });

  it("signs in to the account a password sign-up created after the link was sent", async () => {
    const email = uniqueEmail("ml-late-signup");
    const token = await sendLink(e, email);
    const up = await e.call("POST", "/signup", { body: { email, password: pw } });
    expect(up.status).toBe(201);
    const res = await verify(e, token);
    expect(res.body).toMatchObject({ user: { id: up.body.user.id, email_verified: true }, is_new_user: false });
    expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(1);
  });

  it("works once: a second verify of the same token is 400 invalid_token", async () => {
    const user = await signUp(e, "ml-once");
    const token = await sendLink(e, user.email);
    expect((await verify(e, token)).status).toBe(200);
    const sessions = await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id]);
    expectInvalidToken(await verify(e, token));
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id])).toBe(sessions);
  });

  it("expires after the ttl (15 minutes by default)", async () => {
    const user = await signUp(e, "ml-expiry");
    const first = await sendLink(e, user.email);
    const second = await sendLink(e, user.email);
    e.clock.advance(15 * 60 - 1);
    expect((await verify(e, first)).status).toBe(200);
    e.clock.advance(2);
    expectInvalidToken(await verify(e, second));
  });

  it("refuses a made-up, malformed or other-kind token with invalid_token, and an empty one with invalid_request", async () => {
    const user = await signUp(e, "ml-garbage");
    const real = await sendLink(e, user.email);
    for (const token of ["ml_garbage", "nope", `${real}x`, real.slice(0, -1), "x".repeat(256)]) expectInvalidToken(await verify(e, token));
    // A ceremony of another kind (the second-factor ticket a gate issues) is no magic link.
    const gated = await signUp(e, "ml-garbage-gated", { metadata: { twoFactor: true } });
    const challenge = await verify(e, await sendLink(e, gated.email));
    expectInvalidToken(await verify(e, challenge.body.details.ticket));
    const empty = await verify(e, "");
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: "invalid_request", details: { fields: { token: expect.any(String) } } });
    expect((await verify(e, real)).status).toBe(200); // the real one was not burned by the guesses
  });

  it("stores the token only as its SHA-256", async () => {
    const user = await signUp(e, "ml-hashed");
    const token = await sendLink(e, user.email);
    expect(await countRows(e, "authsome_ceremonies c WHERE position($1 in row_to_json(c)::text) > 0", [token])).toBe(0);
    expect(await countRows(e, "authsome_ceremonies c WHERE position($1 in row_to_json(c)::text) > 0", [token.slice(3)])).toBe(0);
    const [row] = await e.t.query<{ kind: string; payload: { email: string; redirectTo: string | null } }>("SELECT kind, payload FROM authsome_ceremonies WHERE key_hash = $1", [hashToken(token)]);
    expect(row).toEqual({ kind: "magic_link", payload: { email: user.email, redirectTo: null } });
  });

  it("accepts a relative redirect_to (or one on appUrl's origin) and returns it from verify", async () => {
    for (const target of ["/dashboard?tab=1", "http://app.test/welcome"]) {
      const user = await signUp(e, "ml-redirect");
      const res = await verify(e, await sendLink(e, user.email, { redirect_to: target }));
      expect(res.status).toBe(200);
      expect(res.body.redirect_to).toBe(target);
    }
  });

  it("refuses an unsafe redirect_to with 400 invalid_redirect, and then mails and writes nothing", async () => {
    const user = await signUp(e, "ml-evil");
    const ceremonies = await countRows(e, "authsome_ceremonies");
    const events = await countRows(e, "authsome_audit_events");
    for (const target of ["//evil.example", "https://evil.example/x", "javascript:alert(1)"]) {
      const res = await e.call("POST", "/magic-link/send", { body: { email: user.email, redirect_to: target } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_redirect", details: { fields: { redirect_to: expect.any(String) } } });
    }
    expect(e.mailer.messages).toHaveLength(0);
    expect(await countRows(e, "authsome_ceremonies")).toBe(ceremonies);
    expect(await countRows(e, "authsome_audit_events")).toBe(events);
  });

  it("refuses a banned user with 403 user_banned, issuing no session and leaving the email unverified", async () => {
    const user = await signUp(e, "ml-banned");
    const token = await sendLink(e, user.email);
    await e.store.users.update(user.scope, user.id, { banned: true, banReason: "spam" }, e.clock.now());
    const sessions = await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id]);
    const res = await verify(e, token);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "user_banned", details: { reason: "spam" } });
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id])).toBe(sessions);
    expect(await isVerified(e, user.id)).toBe(false);
  });

  it("stops at a second-factor gate: 403 second_factor_required with the ticket in details, and no session", async () => {
    const user = await signUp(e, "ml-gated", { metadata: { twoFactor: true } });
    const token = await sendLink(e, user.email);
    const sessions = await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id]);
    const res = await verify(e, token);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "second_factor_required", details: { ticket: expect.stringMatching(/^st_/) } });
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id])).toBe(sessions);
    expect(await countRows(e, "authsome_ceremonies WHERE kind = 'signin:test-2fa' AND key_hash = $1", [hashToken(res.body.details.ticket)])).toBe(1);
  });

  it("works in process: auth.api.sendMagicLink and verifyMagicLink", async () => {
    const api = e.auth.api as unknown as MagicLinkApi;
    const email = uniqueEmail("ml-api");
    e.mailer.clear();
    await api.sendMagicLink(email, meta, { redirectTo: "/in-process" });
    await e.auth.flushMail();
    const token = tokenMailedTo(e, email) as string;
    expect(e.mailer.lastTo(email)?.text).toContain("http://app.test/magic-link?token="); // appUrl without a request
    const signedIn = await api.verifyMagicLink(token, meta);
    expect(signedIn).toMatchObject({ isNewUser: true, redirectTo: "/in-process", result: { kind: "session", method: "magic_link", user: { email, emailVerified: true } } });
    await expect(api.verifyMagicLink(token, meta)).rejects.toMatchObject({ code: "invalid_token" });

    await api.sendMagicLink(email, meta, { linkBase: "http://other.test/base" });
    await e.auth.flushMail();
    expect(e.mailer.lastTo(email)?.text).toContain("http://other.test/base/magic-link?token=");
    e.mailer.clear();
    await api.sendMagicLink(email, meta, { linkBase: null }); // no safe base: nothing is sent
    await e.auth.flushMail();
    expect(e.mailer.messages).toHaveLength(0);

    await expect(api.sendMagicLink(email, meta, { redirectTo: "https://evil.example/x" })).rejects.toMatchObject({ code: "invalid_redirect" });
    await expect(api.sendMagicLink("not an address", meta)).rejects.toMatchObject({ code: "invalid_request", details: { fields: { email: expect.any(String) } } });
    await e.auth.flushMail();
    expect(e.mailer.messages).toHaveLength(0);
  });

  it("answers a known and an unknown address alike, with the same statements (none before the response)", async () => {
    const user = await signUp(e, "ml-same");
    const measure = async (email: string) => {
      e.t.counter.reset();
      const res = await e.call("POST", "/magic-link/send", { body: { email } });
      return { status: res.status, body: res.body, statements: res.statements };
    };
    const known = await measure(user.email);
    const unknown = await measure(uniqueEmail("ml-same-ghost"));
    expect(known).toEqual(unknown);
    expect(known).toEqual({ status: 200, body: { status: "ok" }, statements: 0 }); // rate limits are off here
  });

  it("lists its routes in /openapi.json, the verify answer with is_new_user and redirect_to", async () => {
    const doc = await e.call("GET", "/openapi.json");
    expect(doc.body.paths["/magic-link/send"]?.post).toBeDefined();
    expect(doc.body.paths["/magic-link/verify"]?.post?.responses).toHaveProperty("200");
    // The core's auth response, and the two fields the plugin adds.
    expect(doc.body.components.schemas.MagicLinkAuthResponse).toEqual({
      allOf: [
        { $ref: "#/components/schemas/AuthResponse" },
        { type: "object", properties: { is_new_user: { type: "boolean" }, redirect_to: { type: ["string", "null"] } }, required: ["is_new_user", "redirect_to"] },
      ],
    });
  });

  it("refuses unusable options at construction with invalid_config", () => {
    expect(() => magicLink({ ttl: 0 })).toThrow(expect.objectContaining({ code: "invalid_config" }));
    expect(() => magicLink({ ttl: "soon" as never })).toThrow(expect.objectContaining({ code: "invalid_config", details: { field: "magicLink.ttl" } }));
    expect(() => magicLink({ allowSignUp: "yes" as never })).toThrow(expect.objectContaining({ code: "invalid_config" }));
    expect(magicLink({ ttl: "1h", allowSignUp: false }).id).toBe("magic-link");
  });
});

describe("the magic-link plugin without sign-up, under requireEmailVerification, on an appUrl with a path", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({
      plugins: [magicLink({ allowSignUp: false, ttl: "5m" })],
      config: { appUrl: "https://app.example.com/portal", requireEmailVerification: true },
    });
  });
  afterAll(async () => {
    await e?.drop();
  });

  it("points the link at appUrl, its path kept, and says how long it is valid", async () => {
    const user = await signUp(e, "ml-portal");
    const token = await sendLink(e, user.email);
    const mail = e.mailer.lastTo(user.email);
    expect(mail?.text).toContain(`https://app.example.com/portal/magic-link?token=${token}`);
    expect(mail?.text).toContain("5 minutes");
  });

  it("signs in an unverified user, whom requireEmailVerification keeps out of a password sign-in", async () => {
    const user = await signUp(e, "ml-unverified");
    expect((await e.call("POST", "/signin", { body: { email: user.email, password: pw } })).body.code).toBe("email_not_verified");
    const res = await verify(e, await sendLink(e, user.email));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: user.id, email_verified: true }, is_new_user: false });
    expect(await isVerified(e, user.id)).toBe(true);
    expect((await e.call("POST", "/signin", { body: { email: user.email, password: pw } })).status).toBe(200);
  });

  it("mails nothing to an unknown address and still answers 200", async () => {
    const email = uniqueEmail("ml-nobody");
    e.mailer.clear();
    const ceremonies = await countRows(e, "authsome_ceremonies WHERE kind = 'magic_link'");
    const res = await e.call("POST", "/magic-link/send", { body: { email } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
    expect(e.mailer.messages).toHaveLength(0);
    expect(await countRows(e, "authsome_ceremonies WHERE kind = 'magic_link'")).toBe(ceremonies);
    expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(0);
  });

  it("refuses the link of an account deleted since it was sent with invalid_token, creating none", async () => {
    const user = await signUp(e, "ml-deleted");
    const token = await sendLink(e, user.email);
    await e.store.users.softDelete(user.scope, user.id, e.clock.now());
    expectInvalidToken(await verify(e, token));
    expect(await countRows(e, "authsome_users WHERE email = $1 AND deleted_at IS NULL", [user.email])).toBe(0);
  });

  it("expires after its ttl of 5 minutes", async () => {
    const user = await signUp(e, "ml-short");
    const token = await sendLink(e, user.email);
    e.clock.advance(5 * 60 + 1);
    expectInvalidToken(await verify(e, token));
  });
});

describe("the magic-link plugin's limits", () => {
  let e: TestEngine;
  let ip = 0;
  /** A client address of its own for each use (behind one trusted proxy), so the per-IP limits of tests never mix. */
  const client = () => ({ headers: { "x-forwarded-for": `198.51.100.${++ip}` } });
  const send = (email: string, from: CallOptions, body: Record<string, unknown> = {}) => e.call("POST", "/magic-link/send", { ...from, body: { email, ...body } });

  beforeAll(async () => {
    // No verification mail on sign-up: it would spend a share of the address's mail budget.
    e = await createTestEngine({ plugins: [magicLink()], config: { trustProxy: 1, sendVerificationOnSignUp: false, rateLimits: { magicLinkSend: 8, magicLinkVerify: 3 } } });
  });
  afterAll(async () => {
    await e?.drop();
  });

  it("costs a known and an unknown address the same statements: the per-IP count alone", async () => {
    const user = await signUp(e, "ml-cost");
    const from = client();
    const measure = async (email: string) => {
      e.t.counter.reset();
      const res = await send(email, from);
      return { status: res.status, body: res.body, statements: res.statements };
    };
    const known = await measure(user.email);
    const unknown = await measure(uniqueEmail("ml-cost-ghost"));
    expect(known).toEqual(unknown);
    expect(known).toEqual({ status: 200, body: { status: "ok" }, statements: 1 });
  });

  it("mails one address at most 5 links per window, whoever asks: the 6th send still answers 200 and makes nothing", async () => {
    for (const email of [(await signUp(e, "ml-budget")).email, uniqueEmail("ml-budget-new")]) {
      e.mailer.clear();
      const ceremonies = await countRows(e, "authsome_ceremonies WHERE kind = 'magic_link'");
      for (let i = 0; i < 6; i++) {
        const res = await send(email, client()); // from six different clients
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: "ok" });
      }
      expect(e.mailer.messages.filter((m) => m.to === email)).toHaveLength(5);
      expect(await countRows(e, "authsome_ceremonies WHERE kind = 'magic_link'")).toBe(ceremonies + 5);
    }
  });

  it("answers 429 rate_limited past magicLinkSend sends from one IP", async () => {
    const from = client();
    const statuses: number[] = [];
    let last: CallResult | undefined;
    for (let i = 0; i < 9; i++) {
      last = await send(uniqueEmail("ml-flood"), from);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    expect(last?.body.code).toBe("rate_limited");
    expect(last?.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("answers 429 rate_limited past magicLinkVerify verifies from one IP", async () => {
    const from = client();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await verify(e, `ml_guess${i}`, from));
    expect(results.map((r) => r.status)).toEqual([400, 400, 400, 429]);
    expect(results[3]?.body.code).toBe("rate_limited");
  });

  it("does not count a request refused for its redirect_to", async () => {
    const from = client();
    e.mailer.clear();
    const res = await send(uniqueEmail("ml-evil"), from, { redirect_to: "//evil.example" });
    expect(res.body.code).toBe("invalid_redirect");
    expect(await countRows(e, "authsome_rate_limits WHERE key = $1", [`rl:magicLinkSend:${from.headers["x-forwarded-for"]}`])).toBe(0);
    expect(e.mailer.messages).toHaveLength(0);
  });
});
