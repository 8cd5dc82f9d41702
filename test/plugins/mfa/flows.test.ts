// The MFA plugin over HTTP and in process (both drivers): enrolment with an authenticator app (otpauth) from the QR
// code, the gate on password sign-in, the challenge by TOTP and by recovery code, the replay guard, the ticket's
// answers, expiry and tenancy, the lockout, step-up management, mails, events, hooks, and what is stored.
import * as OTPAuth from "otpauth";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSealer } from "../../../src/crypto/sealing.js";
import { hashToken } from "../../../src/crypto/tokens.js";
import type { AuthsomePlugin, HookEvents } from "../../../src/plugin/index.js";
import { countRows, defaultUserAgent, uniqueEmail } from "../../support/engine.js";
import { decodeQrSvg } from "../../support/qr.js";
import { mfa } from "../../../src/plugins/mfa/index.js";
import { createTestEngine } from "../../support/engine.js";
import { authenticatorFrom, codeAt, createMfaEngine, type MfaEngine, password, signUpEnrolled, ticketFor } from "./support.js";

/** An engine whose `plugins` come before `mfa()` (their gates run first). */
async function createTestEngineWith(plugins: AuthsomePlugin[]): Promise<MfaEngine> {
  const e = await createTestEngine({ plugins: [...plugins, mfa()] });
  return Object.assign(e, { api: e.auth.api as MfaEngine["api"] });
}

const secret = "mfa-flows-test-secret-0123456789abcdef";
const meta = { ipAddress: "203.0.113.9", userAgent: "in-process" };

/** Records the plugin's hooks as they fire. */
function hookRecorder(): { plugin: AuthsomePlugin; fired: Array<{ name: string; userId: string; method: string }> } {
  const fired: Array<{ name: string; userId: string; method: string }> = [];
  const record = (name: string) => async (payload: HookEvents["mfa.enabled.after"]) => void fired.push({ name, userId: payload.user.id, method: payload.method });
  return {
    fired,
    plugin: {
      id: "hook-recorder",
      setup(ctx) {
        ctx.hooks.on("mfa.enabled.after", record("mfa.enabled.after"));
        ctx.hooks.on("mfa.disabled.after", record("mfa.disabled.after"));
        return {};
      },
    },
  };
}

async function eventsOf(e: MfaEngine, userId: string, type: string) {
  const [user] = await e.t.query<{ app_id: string }>("SELECT app_id FROM authsome_users WHERE id = $1", [userId]);
  return (await e.store.auditEvents.list(user?.app_id as string, { userId, type })).items;
}

let e: MfaEngine;
const hooks = hookRecorder();
beforeAll(async () => {
  e = await createMfaEngine({ mfa: { issuer: "Acme" }, plugins: [hooks.plugin], engine: { config: { secret } } });
});
afterAll(() => e.drop());

describe("enrolment", () => {
  it("gives a fresh seed, its key URI and a QR code of it that an authenticator app reads", async () => {
    const email = uniqueEmail("enrol");
    const token = (await e.call("POST", "/signup", { body: { email, password } })).body.session_token as string;
    const res = await e.call("POST", "/mfa/totp/enroll", { token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(res.body.otpauth_url).toBe(`otpauth://totp/Acme:${encodeURIComponent(email)}?secret=${res.body.secret}&issuer=Acme&algorithm=SHA1&digits=6&period=30`);
    expect(res.body.qr_svg).toMatch(/^<svg /);
    // The camera's view: the QR code decodes to the key URI, and the app set up from it makes codes the server takes.
    const scanned = decodeQrSvg(res.body.qr_svg);
    expect(scanned).toBe(res.body.otpauth_url);
    const app = authenticatorFrom(scanned);
    const verify = await e.call("POST", "/mfa/totp/verify", { token, body: { code: codeAt(e, app) } });
    expect(verify.status).toBe(200);
    expect(verify.body.recovery_codes).toHaveLength(10);
    const status = await e.call("GET", "/mfa", { token });
    expect(status.body).toEqual({ enabled: true, verified_at: e.clock.now().toISOString(), recovery_codes_remaining: 10 });
  });

  it("works without a body, and without the plugin's issuer names the app", async () => {
    const plain = await createMfaEngine();
    try {
      const email = uniqueEmail("noissuer");
      const signup = await plain.call("POST", "/signup", { body: { email, password } });
      const res = await plain.call("POST", "/mfa/totp/enroll", { token: signup.body.session_token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const [app] = await plain.t.query<{ name: string }>("SELECT name FROM authsome_apps WHERE id = $1", [signup.body.user.app_id]);
      expect(authenticatorFrom(res.body.otpauth_url).issuer).toBe(app?.name);
    } finally {
      await plain.drop();
    }
  });

  it("seals the seed at rest, bound to its row", async () => {
    const email = uniqueEmail("sealed");
    const token = (await e.call("POST", "/signup", { body: { email, password } })).body.session_token as string;
    const { secret: seed } = (await e.call("POST", "/mfa/totp/enroll", { token, body: {} })).body;
    const [row] = await e.t.query<{ id: string; secret_sealed: string }>(
      "SELECT e.id, e.secret_sealed FROM authsome_mfa_enrollments e JOIN authsome_users u ON u.id = e.user_id WHERE u.email = $1",
      [email],
    );
    expect(row?.secret_sealed).toMatch(/^v[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    expect(row?.secret_sealed).not.toContain(seed);
    const sealer = createSealer([secret]);
    const context = { table: "authsome_mfa_enrollments", column: "secret_sealed", rowId: row?.id as string };
    expect(sealer.open(row?.secret_sealed as string, context)).toBe(seed);
    expect(() => sealer.open(row?.secret_sealed as string, { ...context, rowId: "amfa_01h2xcejqtf2nbrexx3vqjhp41" })).toThrow();
  });

  it("replaces an unverified enrolment; refuses a wrong first code and a second enrolment once verified", async () => {
    const email = uniqueEmail("replace");
    const token = (await e.call("POST", "/signup", { body: { email, password } })).body.session_token as string;
    expect((await e.call("POST", "/mfa/totp/verify", { token, body: { code: "123456" } })).body.code).toBe("mfa_not_enrolled");
    const first = authenticatorFrom((await e.call("POST", "/mfa/totp/enroll", { token, body: {} })).body.otpauth_url);
    const second = authenticatorFrom((await e.call("POST", "/mfa/totp/enroll", { token, body: {} })).body.otpauth_url);
    expect(second.secret.base32).not.toBe(first.secret.base32);
    expect(await countRows(e, "authsome_mfa_enrollments e JOIN authsome_users u ON u.id = e.user_id WHERE u.email = $1", [email])).toBe(1);
    const stale = await e.call("POST", "/mfa/totp/verify", { token, body: { code: codeAt(e, first) } });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: "invalid_mfa_code", details: { fields: { code: expect.any(String) } } });
    expect((await e.call("GET", "/mfa", { token })).body.enabled).toBe(false);
    expect((await e.call("POST", "/mfa/totp/verify", { token, body: { code: codeAt(e, second) } })).status).toBe(200);
    const again = await e.call("POST", "/mfa/totp/enroll", { token, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("mfa_already_enabled");
    expect((await e.call("POST", "/mfa/totp/verify", { token, body: { code: codeAt(e, second, 1) } })).body.code).toBe("mfa_already_enabled");
  });

  it("leaves a sign-up's session to the gate at a cost of one statement, and its one user.signed_up event with it", async () => {
    const email = uniqueEmail("signup-cost");
    e.t.counter.reset();
    const res = await e.call("POST", "/signup", { body: { email, password } });
    expect(res.status).toBe(201);
    // BEGIN, the user, the password hash, COMMIT; the gate's read; the session with its event.
    expect(res.statements).toBeLessThanOrEqual(6);
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'user.signed_up' AND metadata->>'sessionId' = $2", [res.body.user.id, res.body.session.id])).toBe(1);
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1", [res.body.user.id])).toBe(1);
  });

  it("needs a session or a ticket", async () => {
    expect((await e.call("POST", "/mfa/totp/enroll", { body: {} })).status).toBe(401);
    expect((await e.call("POST", "/mfa/totp/verify", { body: { code: "123456" } })).status).toBe(401);
    expect((await e.call("GET", "/mfa")).status).toBe(401);
  });

  it("records mfa.enabled and runs mfa.enabled.after", async () => {
    const u = await signUpEnrolled(e, "enabled-event");
    expect(await eventsOf(e, u.userId, "mfa.enabled")).toHaveLength(1);
    expect(e.mailer.lastTo(u.email)?.subject).toBe("Two-factor authentication was turned on");
    expect(hooks.fired).toContainEqual({ name: "mfa.enabled.after", userId: u.userId, method: "totp" });
  });
});

describe("the challenge", () => {
  it("stops a password sign-in at 403 mfa_required with a ticket, and no session", async () => {
    const u = await signUpEnrolled(e, "gate");
    const before = await countRows(e, "authsome_sessions WHERE user_id = $1", [u.userId]);
    const res = await e.call("POST", "/signin", { body: { email: u.email, password } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "mfa_required", details: { mfa_ticket: expect.stringMatching(/^st_[A-Za-z0-9_-]{43}$/), methods: ["totp", "recovery_code"] } });
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [u.userId])).toBe(before);
    // Stored hashed, with the user, tenant, method and request, for five minutes.
    const [row] = await e.t.query<{ kind: string; payload: Record<string, any>; expires_at: Date; app_id: string; env_id: string }>(
      "SELECT kind, payload, expires_at, app_id, env_id FROM authsome_ceremonies WHERE key_hash = $1",
      [hashToken(res.body.details.mfa_ticket)],
    );
    expect(row?.kind).toBe("signin:mfa");
    expect(row?.payload).toMatchObject({ userId: u.userId, method: "password", meta: { userAgent: defaultUserAgent } });
    expect(row?.app_id).toBeTruthy();
    expect(row?.env_id).toBeTruthy();
    expect(new Date(row?.expires_at as Date).getTime()).toBe(e.clock.now().getTime() + 300_000);
  });

  it("with a TOTP code: the session (method password+totp) in three statements; the ticket works once", async () => {
    const u = await signUpEnrolled(e, "totp");
    const ticket = await ticketFor(e, u.email);
    e.t.counter.reset();
    const res = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.statements).toBeLessThanOrEqual(3);
    expect(res.body).toMatchObject({ user: { id: u.userId }, session_token: expect.stringMatching(/^as_/), refresh_token: expect.stringMatching(/^ar_/) });
    expect(res.headers.get("set-cookie")).toContain("authsome_session=");
    const [session] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [res.body.session.id]);
    expect(session?.method).toBe("password+totp");
    expect((await e.call("GET", "/session", { token: res.body.session_token })).status).toBe(200);
    const again = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: "invalid_ticket", details: { fields: { mfa_ticket: expect.any(String) } } });
  });

  it("never takes a code twice, and not one two steps old", async () => {
    const u = await signUpEnrolled(e, "replay");
    const code = codeAt(e, u.app);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: await ticketFor(e, u.email), code } })).status).toBe(200);
    const replay = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: await ticketFor(e, u.email), code } });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("invalid_mfa_code");
    e.clock.advance(60);
    const ticket = await ticketFor(e, u.email);
    const stale = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app, -2) } });
    expect(stale.body.code).toBe("invalid_mfa_code");
    // One step of drift is fine, for a step after the last one used.
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app, -1) } })).status).toBe(200);
  });

  it("with a recovery code: the session (method password+recovery_code); each code once; the owner is told", async () => {
    const u = await signUpEnrolled(e, "recovery");
    e.mailer.clear();
    const [first = "", second = ""] = u.recoveryCodes;
    e.t.counter.reset();
    const res = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: await ticketFor(e, u.email), recovery_code: first.toUpperCase() } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [session] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [res.body.session.id]);
    expect(session?.method).toBe("password+recovery_code");
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: await ticketFor(e, u.email), recovery_code: first } })).body.code).toBe("invalid_mfa_code");
    expect((await e.call("GET", "/mfa", { token: u.token })).body.recovery_codes_remaining).toBe(9);
    expect(e.mailer.lastTo(u.email)?.subject).toBe("A recovery code was used");
    expect(e.mailer.lastTo(u.email)?.text).toContain("9 are left");
    expect(await eventsOf(e, u.userId, "mfa.recovery_code_used")).toHaveLength(1);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: await ticketFor(e, u.email), recovery_code: second.replace("-", "") } })).status).toBe(200);
  });

  it("answers a recovery-code sign-in in three statements too", async () => {
    const u = await signUpEnrolled(e, "recovery-count");
    const ticket = await ticketFor(e, u.email);
    e.t.counter.reset();
    const res = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, recovery_code: u.recoveryCodes[3] } });
    expect(res.status).toBe(200);
    expect(res.statements).toBeLessThanOrEqual(3);
  });

  it("a ticket of app A is unknown in app B, and not burned there", async () => {
    const u = await signUpEnrolled(e, "tenancy");
    const ticket = await ticketFor(e, u.email);
    const other = await e.auth.api.createApp({ name: "Other", slug: `other-${Date.now()}` });
    const elsewhere = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) }, headers: { "x-publishable-key": other.publishableKey as string } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.code).toBe("invalid_ticket");
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } })).status).toBe(200);
  });

  it("an expired ticket is refused", async () => {
    const u = await signUpEnrolled(e, "expiry");
    const ticket = await ticketFor(e, u.email);
    e.clock.advance(301);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } })).body.code).toBe("invalid_ticket");
  });

  it("records each wrong code (mfa.challenge_failed)", async () => {
    const u = await signUpEnrolled(e, "failed-event");
    const ticket = await ticketFor(e, u.email);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: "000000" } })).status).toBe(401);
    const [event] = await eventsOf(e, u.userId, "mfa.challenge_failed");
    expect(event?.metadata).toMatchObject({ factor: "totp", purpose: "sign_in", attempts: 1, locked: false });
  });
});

describe("wrong codes", () => {
  it("the 5th burns the ticket: 429 too_many_attempts, and even the right code is refused after", async () => {
    // The default lockout: the 5th wrong code is also the account's 5th, and the ticket's answer wins the reply.
    const loose = await createMfaEngine();
    try {
      const u = await signUpEnrolled(loose, "burn");
      const ticket = await ticketFor(loose, u.email);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await loose.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: "000000" } })).status);
      expect(statuses).toEqual([401, 401, 401, 401]);
      const fifth = await loose.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, recovery_code: "22222-22222" } });
      expect(fifth.status).toBe(429);
      expect(fifth.body.code).toBe("too_many_attempts");
      expect((await loose.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(loose, u.app) } })).body.code).toBe("invalid_ticket");
      expect(await countRows(loose, "authsome_sessions WHERE user_id = $1", [u.userId])).toBe(1); // the sign-up's only
    } finally {
      await loose.drop();
    }
  });

  it("a right answer being signed in still gets its session when later wrong answers spend the ticket", async () => {
    // A hook holds the right answer between its check and its session statement, while four wrong answers follow.
    let release: () => void = () => {};
    let held: () => void = () => {};
    const entered = new Promise<void>((resolve) => (held = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holder: AuthsomePlugin = {
      id: "holder",
      setup(ctx) {
        ctx.hooks.on("signIn.before", async ({ method }) => {
          if (method !== "password+totp") return;
          held();
          await gate;
        });
        return {};
      },
    };
    const slow = await createMfaEngine({ plugins: [holder], engine: { config: { lockout: false } } });
    try {
      const u = await signUpEnrolled(slow, "held");
      const ticket = await ticketFor(slow, u.email);
      const right = slow.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(slow, u.app) } });
      await entered;
      const wrong: string[] = [];
      for (let i = 0; i < 4; i++) wrong.push((await slow.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: "000000" } })).body.code);
      expect(wrong).toEqual(["invalid_mfa_code", "invalid_mfa_code", "invalid_mfa_code", "too_many_attempts"]);
      release();
      expect((await right).status).toBe(200);
      expect(await countRows(slow, "authsome_sessions WHERE user_id = $1 AND method = 'password+totp'", [u.userId])).toBe(1);
    } finally {
      await slow.drop();
    }
  });

  it("count toward the account lockout: the account locks, password sign-ins are refused, and the owner is told", async () => {
    const u = await signUpEnrolled(e, "lockout");
    e.mailer.clear();
    const wrong = async (ticket: string) => (await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: "000000" } })).body.code;
    const codes: string[] = [];
    const first = await ticketFor(e, u.email);
    for (let i = 0; i < 3; i++) codes.push(await wrong(first));
    const second = await ticketFor(e, u.email);
    codes.push(await wrong(second));
    codes.push(await wrong(second)); // the account's 5th wrong code: locked
    expect(codes).toEqual(["invalid_mfa_code", "invalid_mfa_code", "invalid_mfa_code", "invalid_mfa_code", "account_locked"]);
    // While locked no code is checked — the right one neither — and password sign-ins are refused.
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: second, code: codeAt(e, u.app) } })).body.code).toBe("account_locked");
    const signin = await e.call("POST", "/signin", { body: { email: u.email, password } });
    expect(signin.status).toBe(429);
    expect(signin.body.code).toBe("account_locked");
    expect(e.mailer.lastTo(u.email)?.subject).toBe("Too many wrong two-factor codes");
    const failures = await eventsOf(e, u.userId, "mfa.challenge_failed");
    expect(failures.map((f) => f.metadata.locked)).toContain(true);
    // The lock lasts the lockout's duration; then the owner's code works again.
    e.clock.advance(15 * 60 + 1);
    const later = await ticketFor(e, u.email);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: later, code: codeAt(e, u.app) } })).status).toBe(200);
  });

  it("a stranger's password guesses do not stop the owner's code (the answers are counted apart)", async () => {
    const u = await signUpEnrolled(e, "stranger");
    const ticket = await ticketFor(e, u.email);
    for (let i = 0; i < 6; i++) await e.call("POST", "/signin", { body: { email: u.email, password: `wrong-guess-${i}-xyz` } });
    expect((await e.call("POST", "/signin", { body: { email: u.email, password } })).body.code).toBe("account_locked");
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } })).status).toBe(200);
  });

  it("a right answer earns the browser the device cookie, which gets it past a stranger's lock of the password", async () => {
    const u = await signUpEnrolled(e, "device");
    const ticket = await ticketFor(e, u.email);
    const res = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } });
    expect(res.status).toBe(200);
    const device = /authsome_device=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
    expect(device).toBeTruthy();
    for (let i = 0; i < 6; i++) await e.call("POST", "/signin", { body: { email: u.email, password: `wrong-guess-${i}-xyz` } });
    expect((await e.call("POST", "/signin", { body: { email: u.email, password } })).body.code).toBe("account_locked");
    const trusted = await e.call("POST", "/signin", { body: { email: u.email, password }, cookie: `authsome_device=${device}` });
    expect(trusted.status).toBe(403);
    expect(trusted.body.code).toBe("mfa_required");
  });

  it("a right password that stopped at the code prompt does not count toward the lockout", async () => {
    const u = await signUpEnrolled(e, "abandoned");
    for (let i = 0; i < 7; i++) await ticketFor(e, u.email);
    const ticket = await ticketFor(e, u.email);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } })).status).toBe(200);
  });

  it("a password reset restores no guesses: the answers' lock outlives it", async () => {
    const u = await signUpEnrolled(e, "reset-lock");
    // Five wrong codes over two tickets lock the answers.
    for (const ticket of [await ticketFor(e, u.email), await ticketFor(e, u.email)]) {
      for (let i = 0; i < 3; i++) await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: "000000" } });
    }
    await e.call("POST", "/forgot-password", { body: { email: u.email } });
    const token = new URL(/https?:\/\/\S+/.exec(e.mailer.lastTo(u.email)?.text ?? "")?.[0] ?? "http://x").searchParams.get("token");
    expect((await e.call("POST", "/reset-password", { body: { token, new_password: "another horse battery staple" } })).status).toBe(200);
    const ticket = (await e.call("POST", "/signin", { body: { email: u.email, password: "another horse battery staple" } })).body.details.mfa_ticket;
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } })).body.code).toBe("account_locked");
  });

  it("answering another gate first satisfies no second factor", async () => {
    const terms: AuthsomePlugin = {
      id: "terms",
      setup(ctx) {
        ctx.signIns.addGate({ id: "terms", check: async ({ user }) => (user.metadata.terms === "pending" ? { code: "terms_required", message: "Accept the terms" } : null) });
        ctx.router.post("/terms/accept", async (c) => {
          const { ticket } = (await c.req.json()) as { ticket: string };
          const result = await ctx.signIns.resume(ticket, { gate: "terms", meta: c.get("meta"), verify: async () => true });
          return ctx.http.sendSignIn(c, result as NonNullable<typeof result>);
        });
        return {};
      },
    };
    // The terms gate runs first: its answer must lead to the MFA gate, not past it.
    const both = await createTestEngineWith([terms]);
    try {
      const u = await signUpEnrolled(both, "terms");
      await both.t.query(`UPDATE authsome_users SET metadata = '{"terms":"pending"}' WHERE id = $1`, [u.userId]);
      const gated = await both.call("POST", "/signin", { body: { email: u.email, password } });
      expect(gated.body.code).toBe("terms_required");
      const accepted = await both.call("POST", "/terms/accept", { body: { ticket: gated.body.details.ticket } });
      expect(accepted.status).toBe(403);
      expect(accepted.body.code).toBe("mfa_required");
      expect((await both.call("POST", "/mfa/challenge", { body: { mfa_ticket: accepted.body.details.mfa_ticket, code: codeAt(both, u.app) } })).status).toBe(200);
    } finally {
      await both.drop();
    }
  });
});

describe("management needs a current code or an unused recovery code", () => {
  it("disabling: refused without a valid one; with one, MFA is off, the codes gone, the owner mailed", async () => {
    const u = await signUpEnrolled(e, "disable");
    e.mailer.clear();
    for (const body of [{ code: "000000" }, { recovery_code: "22222-22222" }]) {
      const refused = await e.call("DELETE", "/mfa/totp", { token: u.token, body });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe("invalid_mfa_code");
    }
    expect((await e.call("GET", "/mfa", { token: u.token })).body.enabled).toBe(true);
    expect(e.mailer.lastTo(u.email)).toBeUndefined();
    expect((await e.call("DELETE", "/mfa/totp", { token: u.token, body: { code: codeAt(e, u.app) } })).status).toBe(200);
    expect((await e.call("GET", "/mfa", { token: u.token })).body).toEqual({ enabled: false, verified_at: null, recovery_codes_remaining: 0 });
    expect(await countRows(e, "authsome_mfa_recovery_codes WHERE user_id = $1", [u.userId])).toBe(0);
    expect(await countRows(e, "authsome_mfa_enrollments WHERE user_id = $1", [u.userId])).toBe(0);
    expect(e.mailer.lastTo(u.email)?.subject).toBe("Two-factor authentication was turned off");
    expect(await eventsOf(e, u.userId, "mfa.disabled")).toHaveLength(1);
    expect(hooks.fired).toContainEqual({ name: "mfa.disabled.after", userId: u.userId, method: "totp" });
    expect((await e.call("POST", "/signin", { body: { email: u.email, password } })).status).toBe(200);
    expect((await e.call("DELETE", "/mfa/totp", { token: u.token, body: { code: "123456" } })).body.code).toBe("mfa_not_enabled");
  });

  it("disabling with a recovery code works too (a lost authenticator)", async () => {
    const u = await signUpEnrolled(e, "disable-recovery");
    expect((await e.call("DELETE", "/mfa/totp", { token: u.token, body: { recovery_code: u.recoveryCodes[9] } })).status).toBe(200);
    expect((await e.call("GET", "/mfa", { token: u.token })).body.enabled).toBe(false);
  });

  it("regenerating: refused without a valid code; with one, ten new codes and the old ones dead", async () => {
    const u = await signUpEnrolled(e, "regenerate");
    expect((await e.call("POST", "/mfa/recovery-codes", { token: u.token, body: { code: "000000" } })).status).toBe(401);
    const res = await e.call("POST", "/mfa/recovery-codes", { token: u.token, body: { recovery_code: u.recoveryCodes[0] } });
    expect(res.status).toBe(200);
    expect(res.body.recovery_codes).toHaveLength(10);
    expect(res.body.recovery_codes).not.toContain(u.recoveryCodes[1]);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: await ticketFor(e, u.email), recovery_code: u.recoveryCodes[1] } })).status).toBe(401);
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: await ticketFor(e, u.email), recovery_code: res.body.recovery_codes[0] } })).status).toBe(200);
    expect(await eventsOf(e, u.userId, "mfa.recovery_codes_regenerated")).toHaveLength(1);
  });

  it("a stolen session gets the lockout's few guesses, then none", async () => {
    const u = await signUpEnrolled(e, "stolen");
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push((await e.call("DELETE", "/mfa/totp", { token: u.token, body: { code: "000000" } })).body.code);
    expect(codes).toEqual([...Array(5).fill("invalid_mfa_code"), "account_locked"]);
    expect((await e.call("DELETE", "/mfa/totp", { token: u.token, body: { code: codeAt(e, u.app) } })).body.code).toBe("account_locked");
    expect((await e.call("GET", "/mfa", { token: u.token })).body.enabled).toBe(true);
  });

  it("a deleted account keeps no seed and no recovery code", async () => {
    const u = await signUpEnrolled(e, "deleted");
    expect((await e.call("DELETE", "/me", { token: u.token, body: { password } })).status).toBe(200);
    expect(await countRows(e, "authsome_mfa_enrollments WHERE user_id = $1", [u.userId])).toBe(0);
    expect(await countRows(e, "authsome_mfa_recovery_codes WHERE user_id = $1", [u.userId])).toBe(0);
  });
});

describe("auth.api", () => {
  it("enrols, verifies, challenges and manages in process, with the same replay guard and expiry", async () => {
    const email = uniqueEmail("api");
    const { user } = await e.auth.api.signUp({ email, password }, meta);
    const started = await e.api.mfaEnroll({ userId: user.id });
    const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(started.secret), digits: 6, period: 30 });
    expect(started.qrSvg).toBe(await QRCode.toString(started.otpauthUrl, { type: "svg", errorCorrectionLevel: "M", margin: 2 }));
    const { recoveryCodes } = await e.api.mfaVerify({ userId: user.id }, codeAt(e, app), meta);
    expect(recoveryCodes).toHaveLength(10);
    e.clock.advance(30);
    const challenged = await e.auth.api.signIn({ email, password }, meta);
    expect(challenged.kind).toBe("challenge");
    const ticket = challenged.kind === "challenge" ? challenged.ticket : "";
    const code = codeAt(e, app);
    const signedIn = await e.api.mfaChallenge(ticket, { code }, meta);
    expect(signedIn).toMatchObject({ kind: "session", method: "password+totp" });
    const again = await e.auth.api.signIn({ email, password }, meta);
    await expect(e.api.mfaChallenge(again.kind === "challenge" ? again.ticket : "", { code }, meta)).rejects.toMatchObject({ code: "invalid_mfa_code" });
    const late = await e.auth.api.signIn({ email, password }, meta);
    e.clock.advance(301);
    await expect(e.api.mfaChallenge(late.kind === "challenge" ? late.ticket : "", { code: codeAt(e, app) }, meta)).rejects.toMatchObject({ code: "invalid_ticket" });
    expect(await e.api.mfaStatus(user.id)).toMatchObject({ enabled: true, recoveryCodesRemaining: 10 });
    expect(await e.api.mfaRegenerateRecoveryCodes(user.id, { recoveryCode: recoveryCodes[0] as string }, meta)).toHaveLength(10);
    await e.api.mfaDisable(user.id, { code: codeAt(e, app) }, meta);
    expect((await e.api.mfaStatus(user.id)).enabled).toBe(false);
  });

  it("refuses malformed input before anything is counted", async () => {
    const u = await signUpEnrolled(e, "api-input");
    const ticket = await ticketFor(e, u.email);
    for (const proof of [{ code: "12345" }, { code: 123456 }, {}, { code: "123456", recoveryCode: "x" }, { recoveryCode: "" }]) {
      await expect(e.api.mfaChallenge(ticket, proof as never, meta)).rejects.toMatchObject({ code: "invalid_request" });
    }
    const [row] = await e.t.query<{ attempts: number }>("SELECT attempts FROM authsome_ceremonies WHERE key_hash = $1", [hashToken(ticket)]);
    expect(row?.attempts).toBe(0);
    await expect(e.api.mfaStatus("ausr_01h2xcejqtf2nbrexx3vqjhp41")).rejects.toMatchObject({ code: "not_found" });
  });

  it("applies the mfaChallenge rate limit in process too", async () => {
    const limited = await createMfaEngine({ engine: { config: { rateLimits: { mfaChallenge: 2 } } } });
    try {
      const u = await signUpEnrolled(limited, "api-limit");
      const ticket = await ticketFor(limited, u.email);
      const api = limited.auth.api as MfaEngine["api"];
      const outcomes: string[] = [];
      for (let i = 0; i < 3; i++) outcomes.push(await api.mfaChallenge(ticket, { code: "000000" }, meta).then(() => "ok", (err: { code: string }) => err.code));
      expect(outcomes).toEqual(["invalid_mfa_code", "invalid_mfa_code", "rate_limited"]);
      const [row] = await limited.t.query<{ attempts: number }>("SELECT attempts FROM authsome_ceremonies WHERE key_hash = $1", [hashToken(ticket)]);
      expect(row?.attempts).toBe(2); // over the limit, the ticket was not touched
    } finally {
      await limited.drop();
    }
  });
});
