// End-to-end flows of the password plugin over HTTP (docs/http-api.md; the Go reference's e2e scenarios
// SignUpSignInSignOut, SessionManagement, ChangePassword, PasswordResetFlow, SignIn_EmailNormalization and the
// service/OTP suites of §9.4), through `auth.handler(new Request(…))` on PGlite and PostgreSQL.
import { createEvents } from "../../../src/engine/events.js";
import { hash as argon2Hash } from "@node-rs/argon2";
import { sql } from "drizzle-orm";
import { lockoutKeys } from "../../../src/engine/services/protection.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessionService } from "../../../src/engine/services/sessions.js";
import { passwordHashes } from "../../../src/plugins/password/schema.js";
import { rowsOf } from "../../../src/store/postgres/rows.js";
import { createTestEngine, keysOf, linkIn, type TestEngine, uniqueEmail, countRows } from "../../support/engine.js";
import { readUser, servedAs } from "../../support/store.js";

const secret = "correct horse battery";
const tokenShape = (prefix: string) => new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`);

async function signUp(e: TestEngine, body: Record<string, unknown>) {
  const res = await e.call("POST", "/signup", { body: { password: secret, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const signIn = (e: TestEngine, body: Record<string, unknown>) => e.call("POST", "/signin", { body });
const sessionOf = (e: TestEngine, token: string) => e.call("GET", "/session", { token });


describe("password flows (email verification off)", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine();
  });
  afterAll(async () => {
    await e?.drop();
  });

  describe("sign-up and sign-in", () => {
    it("signs up with 201, a snake_case auth response, prefixed tokens and no password material", async () => {
      const email = uniqueEmail("Fresh").toUpperCase();
      const res = await e.call("POST", "/signup", { body: { email, password: secret, first_name: "Ada", last_name: "Lovelace", username: "Ada_L" } });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(["expires_at", "refresh_token", "session", "session_token", "user"]);
      expect(res.body.session_token).toMatch(tokenShape("as_"));
      expect(res.body.refresh_token).toMatch(tokenShape("ar_"));
      expect(res.body.user).toMatchObject({ email: email.toLowerCase(), first_name: "Ada", last_name: "Lovelace", username: "ada_l", display_username: "Ada_L", email_verified: false });
      expect(res.body.session.user_id).toBe(res.body.user.id);
      expect(res.body.expires_at).toBe(res.body.session.expires_at);
      expect(res.body.expires_at).toMatch(/Z$/);
      for (const key of keysOf(res.body)) expect(key).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(keysOf(res.body).filter((k) => /password|hash|phc/i.test(k))).toEqual([]);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(secret);
      expect(text).not.toContain("$argon2");
      expect(res.headers.getSetCookie().some((c) => c.startsWith("authsome_session="))).toBe(true);
      const session = await sessionOf(e, res.body.session_token);
      expect(session.status).toBe(200);
      expect(session.body.user.id).toBe(res.body.user.id);
    });

    it("signs in by email regardless of case and surrounding whitespace, issuing a new session", async () => {
      const email = uniqueEmail("MixedCase");
      const up = await signUp(e, { email });
      expect(up.user.email).toBe(email.toLowerCase());
      for (const variant of [email.toUpperCase(), `  ${email}  `]) {
        const res = await signIn(e, { email: variant, password: secret });
        expect(res.status, `${JSON.stringify(variant)} → ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.user.id).toBe(up.user.id);
        expect(res.body.session_token).not.toBe(up.session_token);
        expect(res.body.session.id).not.toBe(up.session.id);
      }
    });

    it("signs in by username, case-insensitively", async () => {
      const up = await signUp(e, { email: uniqueEmail("named"), username: "Grace.Hopper" });
      const res = await signIn(e, { username: "GRACE.HOPPER", password: secret });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(up.user.id);
      expect(res.body.session_token).toMatch(tokenShape("as_"));
    });

    it("keeps the counting statement's asynchronous commit to itself: counts are visible at once, later statements commit synchronously", async () => {
      const single = await e.sibling({ poolSize: 1 }); // one connection, so the next statements share it
      try {
        const up = await signUp(single, { email: uniqueEmail("async") });
        expect((await signIn(single, { email: up.user.email, password: "not the password" })).status).toBe(401);
        expect(await countRows(e, "authsome_rate_limits WHERE key = $1 AND hits = 1", [lockoutKeys({ appId: up.user.app_id, envId: up.user.env_id, kind: "email", value: up.user.email }).attempts])).toBe(1);
        const [setting] = rowsOf(await single.store.db.execute(sql`SHOW synchronous_commit`));
        expect(setting?.synchronous_commit).toBe("on");
      } finally {
        await single.drop();
      }
    });

    it("rejects a wrong password with 401 invalid_credentials", async () => {
      const email = uniqueEmail("wrong");
      await signUp(e, { email });
      const res = await signIn(e, { email, password: "not the password" });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: "invalid_credentials" });
    });

    it("refuses a weak password with 400 weak_password and creates no user", async () => {
      const email = uniqueEmail("weak");
      const res = await e.call("POST", "/signup", { body: { email, password: "short" } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("weak_password");
      expect(res.body.details.rules).toEqual(["at least 8 characters"]);
      expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(0);
    });

    it("refuses a taken email (in any case) with 409 email_taken", async () => {
      const email = uniqueEmail("dup");
      await signUp(e, { email });
      const res = await e.call("POST", "/signup", { body: { email: email.toUpperCase(), password: secret } });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: "email_taken" });
      expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(1);
    });

    it("refuses a taken username (in any case) with 409 username_taken", async () => {
      await signUp(e, { email: uniqueEmail("u1"), username: "taken_name" });
      const email = uniqueEmail("u2");
      const res = await e.call("POST", "/signup", { body: { email, password: secret, username: "Taken_Name" } });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: "username_taken" });
      expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(0);
    });

    it("refuses a banned user with 403 user_banned", async () => {
      const email = uniqueEmail("banned");
      const up = await signUp(e, { email });
      await e.store.users.update({ appId: up.user.app_id, envId: up.user.env_id }, up.user.id, { banned: true, banReason: "spam" }, e.clock.now());
      const res = await signIn(e, { email, password: secret });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: "user_banned", details: { reason: "spam" } });
      expect(res.body.session_token).toBeUndefined();
    });
  });

  describe("sessions", () => {
    it("signs out only the session that asked; its refresh token dies with it", async () => {
      const email = uniqueEmail("signout");
      const first = await signUp(e, { email });
      const second = (await signIn(e, { email, password: secret })).body;
      const out = await e.call("POST", "/signout", { token: second.session_token });
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ status: "signed_out" });
      expect((await sessionOf(e, second.session_token)).status).toBe(401);
      const refreshed = await e.call("POST", "/refresh", { body: { refresh_token: second.refresh_token } });
      expect(refreshed.status).toBe(401);
      expect((await sessionOf(e, first.session_token)).status).toBe(200);
    });

    it("lists every sign-in, revokes one without touching the others, and refresh issues a new token", async () => {
      const email = uniqueEmail("multi");
      const up = await signUp(e, { email });
      const others = [];
      for (let i = 0; i < 3; i++) others.push((await signIn(e, { email, password: secret })).body);
      const list = await e.call("GET", "/sessions", { token: up.session_token });
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(4);
      expect(list.body.items.filter((s: { current: boolean }) => s.current).map((s: { id: string }) => s.id)).toEqual([up.session.id]);

      const [victim, ...survivors] = others as [typeof up, ...(typeof up)[]];
      const revoked = await e.call("DELETE", `/sessions/${victim.session.id}`, { token: up.session_token });
      expect(revoked.status).toBe(200);
      expect((await sessionOf(e, victim.session_token)).status).toBe(401);
      for (const s of [up, ...survivors]) expect((await sessionOf(e, s.session_token)).status).toBe(200);

      const refreshed = await e.call("POST", "/refresh", { body: { refresh_token: up.refresh_token } });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.session_token).toMatch(tokenShape("as_"));
      expect(refreshed.body.session_token).not.toBe(up.session_token);
      expect(refreshed.body.refresh_token).not.toBe(up.refresh_token);
      expect((await sessionOf(e, refreshed.body.session_token)).status).toBe(200);
      expect((await sessionOf(e, up.session_token)).status).toBe(401);
    });
  });

  describe("change password", () => {
    it("needs the current password, swaps the password, and can revoke the other sessions", async () => {
      const email = uniqueEmail("change");
      const up = await signUp(e, { email });
      const other = (await signIn(e, { email, password: secret })).body;
      const next = "a brand new secret";

      const wrong = await e.call("POST", "/change-password", { token: up.session_token, body: { current_password: "not it at all", new_password: next } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe("invalid_credentials");

      const weak = await e.call("POST", "/change-password", { token: up.session_token, body: { current_password: secret, new_password: "tiny" } });
      expect(weak.status).toBe(400);
      expect(weak.body.code).toBe("weak_password");

      const ok = await e.call("POST", "/change-password", {
        token: up.session_token,
        body: { current_password: secret, new_password: next, revoke_other_sessions: true },
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ status: "ok" });
      expect((await sessionOf(e, up.session_token)).status).toBe(200);
      expect((await sessionOf(e, other.session_token)).status).toBe(401);
      expect((await signIn(e, { email, password: secret })).status).toBe(401);
      expect((await signIn(e, { email, password: next })).status).toBe(200);
    });

    it("revokes the other sessions by default, and keeps them with revoke_other_sessions: false", async () => {
      const email = uniqueEmail("change-default");
      const up = await signUp(e, { email });
      const other = (await signIn(e, { email, password: secret })).body;
      const ok = await e.call("POST", "/change-password", { token: up.session_token, body: { current_password: secret, new_password: "revoked sessions pw" } });
      expect(ok.status).toBe(200);
      expect((await sessionOf(e, up.session_token)).status).toBe(200);
      expect((await sessionOf(e, other.session_token)).status).toBe(401);

      const kept = (await signIn(e, { email, password: "revoked sessions pw" })).body;
      const again = await e.call("POST", "/change-password", {
        token: up.session_token,
        body: { current_password: "revoked sessions pw", new_password: "kept sessions pw", revoke_other_sessions: false },
      });
      expect(again.status).toBe(200);
      expect((await sessionOf(e, kept.session_token)).status).toBe(200);
    });

    it("refuses the current password as the new one with 400 password_unchanged, changing nothing", async () => {
      const email = uniqueEmail("change-same");
      const up = await signUp(e, { email });
      const other = (await signIn(e, { email, password: secret })).body;
      const res = await e.call("POST", "/change-password", { token: up.session_token, body: { current_password: secret, new_password: secret } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "password_unchanged", details: { fields: { new_password: expect.any(String) } } });
      expect((await sessionOf(e, other.session_token)).status).toBe(200);
      expect(await countRows(e, "authsome_password_hashes WHERE user_id = $1", [up.user.id])).toBe(1);
    });
  });

  describe("forgot and reset password", () => {
    async function requestReset(email: string): Promise<string> {
      const res = await e.call("POST", "/forgot-password", { body: { email } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ok" });
      const mail = e.mailer.lastTo(email);
      expect(mail?.subject).toBe("Reset your password");
      const link = linkIn(mail?.text ?? "");
      expect(`${link.origin}${link.pathname}`).toBe("http://app.test/reset-password");
      const token = link.searchParams.get("token") ?? "";
      expect(token).toMatch(tokenShape("pr_"));
      return token;
    }

    it("mails a reset link; resetting swaps the password, revokes every session and burns the token", async () => {
      const email = uniqueEmail("reset");
      const up = await signUp(e, { email });
      const other = (await signIn(e, { email, password: secret })).body;
      const token = await requestReset(email);
      const next = "reset to this one";

      const res = await e.call("POST", "/reset-password", { body: { token, new_password: next } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ok" });
      expect((await signIn(e, { email, password: secret })).status).toBe(401);
      expect((await signIn(e, { email, password: next })).status).toBe(200);
      for (const s of [up, other]) expect((await sessionOf(e, s.session_token)).status).toBe(401);

      const reuse = await e.call("POST", "/reset-password", { body: { token, new_password: "a third password" } });
      expect(reuse.status).toBe(400);
      expect(reuse.body.code).toBe("invalid_token");
      expect((await signIn(e, { email, password: next })).status).toBe(200);
    });

    it("refuses a reset token once its hour has passed", async () => {
      const email = uniqueEmail("reset-expired");
      await signUp(e, { email });
      const token = await requestReset(email);
      e.clock.advance(60 * 60 + 1);
      const res = await e.call("POST", "/reset-password", { body: { token, new_password: "too late for this" } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_token");
      expect((await signIn(e, { email, password: secret })).status).toBe(200);
    });

    it("refuses a weak new password without burning the token", async () => {
      const email = uniqueEmail("reset-weak");
      await signUp(e, { email });
      const token = await requestReset(email);
      const weak = await e.call("POST", "/reset-password", { body: { token, new_password: "weak" } });
      expect(weak.status).toBe(400);
      expect(weak.body.code).toBe("weak_password");
      expect((await e.call("POST", "/reset-password", { body: { token, new_password: "strong enough now" } })).status).toBe(200);
    });

    it("answers 200 for an unknown email and sends nothing", async () => {
      const before = e.mailer.messages.length;
      const res = await e.call("POST", "/forgot-password", { body: { email: uniqueEmail("nobody") } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ok" });
      expect(e.mailer.messages.length).toBe(before);
    });

    it("refuses an unknown reset token with 400 invalid_token", async () => {
      const res = await e.call("POST", "/reset-password", { body: { token: `pr_${"A".repeat(43)}`, new_password: "whatever it is" } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_token");
    });
  });

  describe("argon2 parameters", () => {
    it("stores new passwords as argon2id at m=19456, t=2, p=1", async () => {
      const up = await signUp(e, { email: uniqueEmail("phc") });
      const rows = await e.t.query<{ hash: string }>("SELECT hash FROM authsome_password_hashes WHERE user_id = $1", [up.user.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it("upgrades a hash made with weaker parameters on sign-in and keeps the old one as history", async () => {
      const email = uniqueEmail("rehash");
      const { app, env } = await tenantOf(e);
      const user = await e.store.users.create({ appId: app, envId: env, email });
      // Below OWASP's minimum, which argon2idHasher refuses to produce: as if imported from an older deployment.
      const weak = await argon2Hash(secret, { algorithm: 2 as never, memoryCost: 8192, timeCost: 1, parallelism: 1 });
      await e.store.db.insert(passwordHashes).values({ userId: user.id, hash: weak });

      const res = await signIn(e, { email, password: secret });
      expect(res.status).toBe(200);
      const rows = await e.t.query<{ hash: string; replaced_at: Date | null }>(
        "SELECT hash, replaced_at FROM authsome_password_hashes WHERE user_id = $1 ORDER BY created_at, id",
        [user.id],
      );
      expect(rows).toHaveLength(2);
      const current = rows.filter((r) => r.replaced_at === null);
      expect(current).toHaveLength(1);
      expect(current[0]?.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      const retired = rows.filter((r) => r.replaced_at !== null);
      expect(retired.map((r) => r.hash)).toEqual([weak]);
      expect((await signIn(e, { email, password: secret })).status).toBe(200);
      expect(await countRows(e, "authsome_password_hashes WHERE user_id = $1", [user.id])).toBe(2);
    });
  });
});

async function tenantOf(e: TestEngine): Promise<{ app: string; env: string }> {
  const app = await e.store.apps.findBySlug(e.auth.config.appId);
  const env = app ? await e.store.environments.findDefaultByAppId(app.id) : null;
  if (!app || !env) throw new Error("the engine's app is missing");
  return { app: app.id, env: env.id };
}

describe("password flows with email verification required", () => {
  let v: TestEngine;
  beforeAll(async () => {
    v = await createTestEngine({ config: { requireEmailVerification: true } });
  });
  afterAll(async () => {
    await v?.drop();
  });

  /** Signs up and returns the user with the link token and code from the verification mail. */
  async function pendingUser(tag: string) {
    const email = uniqueEmail(tag);
    const res = await v.call("POST", "/signup", { body: { email, password: secret } });
    expect(res.status).toBe(201);
    const mail = v.mailer.lastTo(email);
    expect(mail?.subject).toBe("Verify your email address");
    const link = linkIn(mail?.text ?? "");
    const code = /code: (\d{6})\b/.exec(mail?.text ?? "")?.[1] ?? "";
    return { email, body: res.body, link, token: link.searchParams.get("token") ?? "", code };
  }

  const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

  it("signs up with 201 {user, verification_required} and no tokens, mailing a link and a 6-digit code", async () => {
    const p = await pendingUser("pending");
    expect(Object.keys(p.body).sort()).toEqual(["user", "verification_required"]);
    expect(p.body.verification_required).toBe(true);
    expect(p.body.user).toMatchObject({ email: p.email, email_verified: false });
    expect(keysOf(p.body).filter((k) => /token|session/.test(k))).toEqual([]);
    expect(`${p.link.origin}${p.link.pathname}`).toBe("http://app.test/verify-email");
    expect(p.token).toMatch(tokenShape("ev_"));
    expect(p.code).toMatch(/^\d{6}$/);
    expect(await countRows(v, "authsome_sessions WHERE user_id = $1", [p.body.user.id])).toBe(0);
  });

  it("refuses sign-in before verification with 403 email_not_verified, and allows it after verifying by link", async () => {
    const p = await pendingUser("link");
    const before = await signIn(v, { email: p.email, password: secret });
    expect(before.status).toBe(403);
    expect(before.body.code).toBe("email_not_verified");

    const verified = await v.call("POST", "/verify-email", { body: { token: p.token } });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ status: "ok" });
    const after = await signIn(v, { email: p.email, password: secret });
    expect(after.status).toBe(200);
    expect(after.body.user.email_verified).toBe(true);

    const reuse = await v.call("POST", "/verify-email", { body: { token: p.token } });
    expect(reuse.status).toBe(400);
    expect(reuse.body.code).toBe("invalid_token");
  });

  it("verifies by code: a wrong code is 400 invalid_code, the right one verifies", async () => {
    const p = await pendingUser("code");
    const wrong = await v.call("POST", "/verify-email", { body: { email: p.email, code: otherCode(p.code) } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("invalid_code");
    const right = await v.call("POST", "/verify-email", { body: { email: p.email, code: p.code } });
    expect(right.status).toBe(200);
    expect((await signIn(v, { email: p.email, password: secret })).status).toBe(200);
  });

  it("verifies by code for the signed-in user without an email in the body", async () => {
    const p = await pendingUser("code-session");
    // An unverified account cannot sign in, so its session is issued directly (as another sign-in method would).
    const { sessionToken } = await sessionFor(v, p.body.user.id);
    const right = await v.call("POST", "/verify-email", { token: sessionToken, body: { code: p.code } });
    expect(right.status).toBe(200);
    expect((await readUser(v.store, p.body.user.id))?.emailVerified).toBe(true);
  });

  it("burns the code after 5 wrong attempts with 429 too_many_attempts", async () => {
    const p = await pendingUser("burn");
    const wrong = otherCode(p.code);
    const statuses: Array<[number, string]> = [];
    for (let i = 0; i < 5; i++) {
      const res = await v.call("POST", "/verify-email", { body: { email: p.email, code: wrong } });
      statuses.push([res.status, res.body.code]);
    }
    expect(statuses).toEqual([...Array(4).fill([400, "invalid_code"]), [429, "too_many_attempts"]]);
    const right = await v.call("POST", "/verify-email", { body: { email: p.email, code: p.code } });
    expect(right.status).not.toBe(200);
    expect((await signIn(v, { email: p.email, password: secret })).body.code).toBe("email_not_verified");
  });

  it("expires the code and the link after 15 minutes", async () => {
    const p = await pendingUser("expired");
    v.clock.advance(15 * 60 + 1);
    const byCode = await v.call("POST", "/verify-email", { body: { email: p.email, code: p.code } });
    expect(byCode.status).toBe(400);
    expect(byCode.body.code).toBe("invalid_code");
    const byLink = await v.call("POST", "/verify-email", { body: { token: p.token } });
    expect(byLink.status).toBe(400);
    expect(byLink.body.code).toBe("invalid_token");
  });

  it("resend always answers 200, mailing a fresh code only to an unverified account and retiring the old one", async () => {
    const unknown = await v.call("POST", "/verify-email/resend", { body: { email: uniqueEmail("ghost") } });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ status: "ok" });

    const p = await pendingUser("resend");
    const before = v.mailer.messages.length;
    const res = await v.call("POST", "/verify-email/resend", { body: { email: p.email } });
    expect(res.status).toBe(200);
    expect(v.mailer.messages.length).toBe(before + 1);
    const fresh = /code: (\d{6})\b/.exec(v.mailer.lastTo(p.email)?.text ?? "")?.[1] ?? "";
    const freshToken = linkIn(v.mailer.lastTo(p.email)?.text ?? "").searchParams.get("token");
    expect(freshToken).not.toBe(p.token);
    expect((await v.call("POST", "/verify-email", { body: { token: p.token } })).status).toBe(400);
    expect((await v.call("POST", "/verify-email", { body: { email: p.email, code: fresh } })).status).toBe(200);

    const afterVerified = v.mailer.messages.length;
    const again = await v.call("POST", "/verify-email/resend", { body: { email: p.email } });
    expect(again.status).toBe(200);
    expect(v.mailer.messages.length).toBe(afterVerified);
  });

  it("answers a taken email with the same 201 shape, no tokens, no new row and no mail", async () => {
    const p = await pendingUser("twice");
    const before = v.mailer.messages.length;
    const res = await v.call("POST", "/signup", { body: { email: p.email.toUpperCase(), password: "another password" } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(p.body).sort());
    expect(Object.keys(res.body.user).sort()).toEqual(Object.keys(p.body.user).sort());
    expect(res.body).toMatchObject({ verification_required: true, user: { email: p.email, email_verified: false } });
    expect(res.body.session_token).toBeUndefined();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await countRows(v, "authsome_users WHERE email = $1", [p.email])).toBe(1);
    expect(v.mailer.messages.length).toBe(before);
  });
});

/** A session issued directly through the engine's session service (for a user who cannot sign in yet). */
async function sessionFor(e: TestEngine, userId: string): Promise<{ sessionToken: string }> {
  const user = await readUser(e.store, userId);
  const app = user && (await e.store.apps.findById(user.appId));
  const env = user && (await e.store.environments.findById(user.appId, user.envId));
  if (!user || !app || !env) throw new Error("user missing");
  const sessions = createSessionService({ store: e.store, config: e.auth.config, now: e.clock.now, tenant: servedAs({ app, env }, e.auth.config), events: createEvents({ store: e.store, now: e.clock.now, tenant: servedAs({ app, env }, e.auth.config) }) });
  return sessions.issue(user, { ipAddress: "203.0.113.1", userAgent: "vitest" });
}
