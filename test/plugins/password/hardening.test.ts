// The password plugin's hardening (issue: security hardening): no enumeration through lockout, codes or mail timing;
// no mail bombing; the lockout cannot lock the owner out; account deletion and password change need proof and clean
// up after themselves.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MailMessage } from "../../../src/mail/mailer.js";
import { createTestEngine, linkIn, type CallResult, type TestEngine, uniqueEmail, countRows } from "../../support/engine.js";
import { readUser, servedTenant } from "../../support/store.js";

const secret = "correct horse battery";

async function signUp(e: TestEngine, email: string, extra: Record<string, unknown> = {}) {
  const res = await e.call("POST", "/signup", { body: { email, password: secret, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const signIn = (e: TestEngine, email: string, password: string, cookie?: string) =>
  e.call("POST", "/signin", { body: { email, password }, ...(cookie ? { cookie } : {}) });

const deviceCookieOf = (res: CallResult) => res.headers.getSetCookie().find((c) => c.startsWith("authsome_device="));
const cookiePair = (setCookie: string | undefined) => (setCookie ?? "").split(";")[0] as string;


describe("no enumeration: unknown identifiers are counted and locked like real ones", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine();
  });
  afterAll(() => e?.drop());

  it("answers the 6th sign-in of an unknown email with the same 429 account_locked as a real account's", async () => {
    const known = uniqueEmail("known");
    await signUp(e, known);
    const unknown = uniqueEmail("unknown");
    const trail = async (email: string) => {
      const answers: Array<{ status: number; body: unknown }> = [];
      for (let i = 0; i < 6; i++) {
        const res = await signIn(e, email, `wrong password ${i}`);
        answers.push({ status: res.status, body: res.body });
      }
      return answers;
    };
    const real = await trail(known);
    const ghost = await trail(unknown);
    expect(real.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(ghost).toEqual(real);
    expect(ghost[5]?.body).toMatchObject({ code: "account_locked" });
  });

  it("normalises the identifier: case and spaces do not buy more attempts", async () => {
    const email = uniqueEmail("norm");
    for (const variant of [email, email.toUpperCase(), ` ${email} `, email, email.toUpperCase()]) {
      expect((await signIn(e, variant, "wrong password")).status).toBe(401);
    }
    expect((await signIn(e, email, "wrong password")).body.code).toBe("account_locked");
  });

  it("answers the 5th wrong code for an unknown address with too_many_attempts, as for a real pending code", async () => {
    const known = uniqueEmail("code-known");
    await signUp(e, known); // its sign-up mailed a code
    const trail = async (email: string) => {
      const codes: string[] = [];
      for (let i = 0; i < 6; i++) codes.push((await e.call("POST", "/verify-email", { body: { email, code: "000000" } })).body.code);
      return codes;
    };
    // "000000" could be the real code once in a million runs; the mailed one tells.
    const mailed = /code: (\d{6})/.exec(e.mailer.lastTo(known)?.text ?? "")?.[1];
    expect(mailed).not.toBe("000000");
    const real = await trail(known);
    const ghost = await trail(uniqueEmail("code-unknown"));
    expect(real).toEqual(["invalid_code", "invalid_code", "invalid_code", "invalid_code", "too_many_attempts", "too_many_attempts"]);
    expect(ghost).toEqual(real);
  });

  it("spends the same statements on a wrong code for a real address as for an unknown one", async () => {
    const known = uniqueEmail("code-cost");
    await signUp(e, known);
    const cost = async (email: string) => {
      e.t.counter.reset();
      const res = await e.call("POST", "/verify-email", { body: { email, code: "000000" } });
      return { status: res.status, body: res.body, statements: res.statements };
    };
    expect(await cost(known)).toEqual(await cost(uniqueEmail("code-cost-ghost")));
  });
});

describe("mail goes out after the response, from a queue", () => {
  let held: Array<() => void> = [];
  let failuresLeft = 0;
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({
      mailQueue: { retryDelayMs: 5 },
      wrapMailer: (mailbox) => ({
        async send(message: MailMessage) {
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            throw new Error("SMTP 451 try again later");
          }
          await new Promise<void>((resolve) => held.push(resolve));
          await mailbox.send(message);
        },
      }),
    });
  });
  afterAll(() => e?.drop());

  const release = () => {
    for (const resolve of held) resolve();
    held = [];
  };

  it("answers forgot-password and resend for a real and an unknown address with the same statements, before any mail is sent", async () => {
    const email = uniqueEmail("queued");
    const signing = e.auth.handler(new Request("http://localhost/v1/auth/signup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: secret }) }));
    expect((await signing).status).toBe(201);
    while (held.length === 0) await new Promise((resolve) => setImmediate(resolve)); // the sign-up's mail is being sent
    release();
    await e.auth.flushMail();
    e.mailer.clear();

    const measure = async (path: string, address: string) => {
      e.t.counter.reset();
      const res = await e.auth.handler(new Request(`http://localhost/v1/auth${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: address }) }));
      const statements = e.t.counter.count;
      return { status: res.status, body: await res.json(), statements };
    };
    for (const path of ["/forgot-password", "/verify-email/resend"]) {
      const real = await measure(path, email);
      const ghost = await measure(path, uniqueEmail("ghost"));
      expect(real).toEqual(ghost);
      expect(real).toMatchObject({ status: 200, body: { status: "ok" } });
    }
    expect(e.mailer.messages).toHaveLength(0); // answered; nothing sent yet
    while (held.length < 2) await new Promise((resolve) => setImmediate(resolve));
    release();
    await e.auth.flushMail();
    expect(e.mailer.messages.map((m) => m.subject).sort()).toEqual(["Reset your password", "Verify your email address"]);
  });

  it("retries a failed send and records the outbox row once", async () => {
    const email = uniqueEmail("retry");
    failuresLeft = 1; // the sign-up's verification mail fails once
    const up = e.call("POST", "/signup", { body: { email, password: secret } });
    while (held.length === 0) await new Promise((resolve) => setImmediate(resolve));
    release();
    expect((await up).status).toBe(201);
    expect(e.mailer.messages.filter((m) => m.to === email)).toHaveLength(1);
    expect(await countRows(e, "authsome_notifications WHERE recipient = $1", [email])).toBe(1);
  });
});

describe("no mail bombing: a per-recipient limit, and new links supersede old ones", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({ config: { trustProxy: 1, rateLimits: { forgotPassword: 100, verifyEmail: 100, signUp: 100 } } });
  });
  afterAll(() => e?.drop());

  it("mails one address at most 5 times in 15 minutes from rotating IPs, answering 200 all the same", async () => {
    const email = uniqueEmail("bombed");
    await e.call("POST", "/signup", { body: { email, password: secret }, headers: { "x-forwarded-for": "192.0.2.1" } }); // mail 1
    const answers: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await e.call("POST", "/forgot-password", { body: { email }, headers: { "x-forwarded-for": `198.51.100.${i}` } });
      answers.push(res.status);
    }
    expect(answers.every((s) => s === 200)).toBe(true);
    expect(e.mailer.messages.filter((m) => m.to === email)).toHaveLength(5);
    e.clock.advance(15 * 60 + 1);
    await e.call("POST", "/forgot-password", { body: { email } });
    expect(e.mailer.messages.filter((m) => m.to === email)).toHaveLength(6);
  });

  it("changes nothing past the limit: the live reset link stays live and no token is made", async () => {
    const email = uniqueEmail("kept-link");
    await signUp(e, email); // mail 1 (verification)
    for (let i = 0; i < 4; i++) await e.call("POST", "/forgot-password", { body: { email }, headers: { "x-forwarded-for": `203.0.113.${i}` } }); // mails 2–5
    const live = linkIn(e.mailer.lastTo(email)?.text ?? "").searchParams.get("token");
    const [before] = await e.t.query<{ n: number }>("SELECT count(*)::int AS n FROM authsome_password_resets r JOIN authsome_users u ON u.id = r.user_id WHERE u.email = $1", [email]);
    for (let i = 0; i < 5; i++) await e.call("POST", "/forgot-password", { body: { email }, headers: { "x-forwarded-for": `203.0.113.${50 + i}` } });
    const [after] = await e.t.query<{ n: number }>("SELECT count(*)::int AS n FROM authsome_password_resets r JOIN authsome_users u ON u.id = r.user_id WHERE u.email = $1", [email]);
    expect(after?.n).toBe(before?.n);
    expect((await e.call("POST", "/reset-password", { body: { token: live, new_password: "a brand new password" } })).status).toBe(200);
  });

  it("keeps one reset link alive: a new one supersedes the older", async () => {
    const email = uniqueEmail("superseded");
    await signUp(e, email);
    await e.call("POST", "/forgot-password", { body: { email } });
    const first = linkIn(e.mailer.lastTo(email)?.text ?? "").searchParams.get("token");
    await e.call("POST", "/forgot-password", { body: { email } });
    const second = linkIn(e.mailer.lastTo(email)?.text ?? "").searchParams.get("token");
    expect(first).not.toBe(second);
    expect((await e.call("POST", "/reset-password", { body: { token: first, new_password: "a brand new password" } })).body.code).toBe("invalid_token");
    expect((await e.call("POST", "/reset-password", { body: { token: second, new_password: "a brand new password" } })).status).toBe(200);
    const [live] = await e.t.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM authsome_password_resets r JOIN authsome_users u ON u.id = r.user_id WHERE u.email = $1 AND r.consumed_at IS NULL",
      [email],
    );
    expect(live?.n).toBe(0);
  });
});

describe("verification codes at rest", () => {
  let e: TestEngine;
  const oldSecret = "o".repeat(32);
  beforeAll(async () => {
    e = await createTestEngine({ config: { secret: oldSecret } });
  });
  afterAll(() => e?.drop());

  it("stores a keyed HMAC that a dump alone cannot brute-force, and verifies it after the secret rotates", async () => {
    const email = uniqueEmail("hmac");
    const up = await signUp(e, email);
    const code = /code: (\d{6})/.exec(e.mailer.lastTo(email)?.text ?? "")?.[1] as string;
    const [row] = await e.t.query<{ code_hash: string }>("SELECT code_hash FROM authsome_verifications WHERE user_id = $1", [up.user.id]);
    expect(row?.code_hash).toMatch(/^v[0-9a-f]{8}\.[0-9a-f]{64}$/);
    const stored = row?.code_hash.split(".")[1];
    // What an attacker with the row could try: every 6-digit code under the unkeyed scheme it replaced.
    let cracked: string | null = null;
    for (let n = 0; n < 1_000_000 && !cracked; n++) {
      const guess = String(n).padStart(6, "0");
      if (createHash("sha256").update(`${up.user.id}:${guess}`).digest("hex") === stored) cracked = guess;
    }
    expect(cracked).toBeNull();

    // A new secret first, the old one kept: the code made under the old one still verifies.
    const rotated = await e.sibling({ config: { secret: ["n".repeat(32), oldSecret] } });
    try {
      expect((await rotated.call("POST", "/verify-email", { body: { email, code } })).status).toBe(200);
    } finally {
      await rotated.drop();
    }
  });
});

describe("lockout cannot lock the owner out: trusted devices and the unlock link", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine();
  });
  afterAll(() => e?.drop());

  async function lockedAccount() {
    const email = uniqueEmail("owner");
    await signUp(e, email);
    const owner = await signIn(e, email, secret);
    const device = deviceCookieOf(owner);
    expect(device).toMatch(/HttpOnly/);
    expect(device).toMatch(/Path=\/v1\/auth(;|$)/);
    for (let i = 0; i < 5; i++) expect((await signIn(e, email, `attacker guess ${i}`)).status).toBe(401);
    expect((await signIn(e, email, secret)).body.code).toBe("account_locked");
    return { email, device: cookiePair(device) };
  }

  it("lets a browser that signed in before past the lock, and nobody else", async () => {
    const { email, device } = await lockedAccount();
    const again = await signIn(e, email, secret, device);
    expect(again.status).toBe(200);
    expect((await signIn(e, email, secret)).body.code).toBe("account_locked"); // still locked for everyone else

    const other = uniqueEmail("other");
    await signUp(e, other);
    const otherDevice = cookiePair(deviceCookieOf(await signIn(e, other, secret)));
    for (let i = 0; i < 5; i++) await signIn(e, email, `guess ${i}`);
    const [name, value] = device.split("=") as [string, string];
    const forged = `${name}=${value.slice(0, -1)}${value.endsWith("0") ? "1" : "0"}`;
    for (const cookie of [otherDevice, forged, "authsome_device=garbage"]) {
      expect((await signIn(e, email, secret, cookie)).body.code, cookie).toBe("account_locked");
    }
  });

  it("gives a trusted device only the lockout's own budget of wrong passwords, and a success clears it", async () => {
    const { email, device } = await lockedAccount();
    for (let i = 0; i < 4; i++) expect((await signIn(e, email, `device guess ${i}`, device)).status).toBe(401);
    expect((await signIn(e, email, secret, device)).status).toBe(200); // the 5th: within budget, and it resets it
    for (let i = 0; i < 5; i++) expect((await signIn(e, email, `device guess again ${i}`, device)).status).toBe(401);
    expect((await signIn(e, email, secret, device)).body.code).toBe("account_locked");
  });

  it("sets the device cookie at sign-up too, and retires every device cookie when the password changes", async () => {
    const email = uniqueEmail("retired");
    const up = await e.call("POST", "/signup", { body: { email, password: secret } });
    const fromSignUp = cookiePair(deviceCookieOf(up));
    expect(fromSignUp).toMatch(/^authsome_device=/);
    const lock = async () => {
      for (let i = 0; i < 5; i++) await signIn(e, email, `guess ${i}`);
    };
    await lock();
    expect((await signIn(e, email, secret, fromSignUp)).status).toBe(200);
    const next = "a changed password";
    expect((await e.call("POST", "/change-password", { token: up.body.session_token, body: { current_password: secret, new_password: next } })).status).toBe(200);
    expect((await signIn(e, email, next, fromSignUp)).body.code).toBe("account_locked"); // still locked; the old cookie is void
  });

  it("sends one lock mail per lock, not one per refused attempt", async () => {
    const { email } = await lockedAccount();
    for (let i = 0; i < 5; i++) await signIn(e, email, `more guesses ${i}`);
    expect(e.mailer.messages.filter((m) => m.to === email && /locked/.test(m.subject))).toHaveLength(1);
  });

  it("mails the owner a single-use unlock link that lifts the lock", async () => {
    const { email } = await lockedAccount();
    const mail = e.mailer.lastTo(email);
    expect(mail?.subject).toMatch(/locked/);
    const link = linkIn(mail?.text ?? "");
    expect(link.pathname).toBe("/unlock-account");
    const token = link.searchParams.get("token");
    expect((await e.call("POST", "/unlock-account", { body: { token } })).status).toBe(200);
    expect((await signIn(e, email, secret)).status).toBe(200);
    expect((await e.call("POST", "/unlock-account", { body: { token } })).body.code).toBe("invalid_token");
  });
});

describe("account deletion needs proof, and leaves no credentials behind", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine();
  });
  afterAll(() => e?.drop());

  it("refuses DELETE /me without the password (403) and with a wrong one (401), deleting nothing", async () => {
    const up = await signUp(e, uniqueEmail("keep"));
    expect((await e.call("DELETE", "/me", { token: up.session_token })).body).toMatchObject({ code: "reauthentication_required" });
    expect((await e.call("DELETE", "/me", { token: up.session_token, body: { password: "not it at all" } })).body).toMatchObject({ code: "invalid_credentials" });
    expect((await e.call("GET", "/me", { token: up.session_token })).status).toBe(200);
  });

  it("gives a session 5 password checks per lockout window, without locking the owner out of sign-in", async () => {
    const email = uniqueEmail("stolen-session");
    const up = await signUp(e, email);
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) answers.push((await e.call("DELETE", "/me", { token: up.session_token, body: { password: `guess ${i}` } })).body.code);
    for (let i = 0; i < 3; i++) {
      answers.push((await e.call("POST", "/change-password", { token: up.session_token, body: { current_password: `guess ${i}`, new_password: "whatever it may be" } })).body.code);
    }
    expect(answers).toEqual(["invalid_credentials", "invalid_credentials", "invalid_credentials", "invalid_credentials", "invalid_credentials", "account_locked"]);
    expect((await e.call("DELETE", "/me", { token: up.session_token, body: { password: secret } })).body.code).toBe("account_locked");
    expect((await signIn(e, email, secret)).status).toBe(200);
    e.clock.advance(15 * 60 + 1);
    try {
      expect((await e.call("DELETE", "/me", { token: up.session_token, body: { password: secret } })).status).toBe(200);
    } finally {
      e.clock.advance(-(15 * 60 + 1));
    }
  });

  it("deletes with the password: every password hash, verification and session of the user is gone", async () => {
    const email = uniqueEmail("delete");
    const up = await signUp(e, email);
    await e.call("POST", "/change-password", { token: up.session_token, body: { current_password: secret, new_password: "second password here" } });
    expect(await countRows(e, "authsome_password_hashes WHERE user_id = $1", [up.user.id])).toBe(2); // current + history
    const res = await e.call("DELETE", "/me", { token: up.session_token, body: { password: "second password here" } });
    expect(res).toMatchObject({ status: 200, body: { status: "deleted" } });
    expect(await countRows(e, "authsome_password_hashes WHERE user_id = $1", [up.user.id])).toBe(0);
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [up.user.id])).toBe(0);
    expect(await countRows(e, "authsome_verifications WHERE user_id = $1 AND consumed_at IS NULL", [up.user.id])).toBe(0);
    expect(await countRows(e, "authsome_notifications WHERE user_id = $1 AND recipient <> ''", [up.user.id])).toBe(0);
    expect(await countRows(e, "authsome_notifications WHERE user_id = $1", [up.user.id])).toBeGreaterThan(0); // kept, redacted
    expect((await signIn(e, email, "second password here")).status).toBe(401);
  });

  it("lets an account without a password delete itself only from a session younger than 5 minutes", async () => {
    const { tenant, sessions } = await servedTenant(e.store, e.auth.config);
    const issue = async () => {
      const user = await e.store.users.create({ appId: tenant.app.id, envId: tenant.env.id, email: uniqueEmail("passwordless") });
      return { user, issued: await sessions.issue(user, { ipAddress: "192.0.2.9", userAgent: "vitest" }) };
    };
    const stale = await issue();
    e.clock.advance(6 * 60);
    try {
      const refused = await e.call("DELETE", "/me", { token: stale.issued.sessionToken });
      expect(refused).toMatchObject({ status: 403, body: { code: "reauthentication_required" } });
    } finally {
      e.clock.advance(-6 * 60);
    }
    {
      const fresh = await issue();
      expect((await e.call("DELETE", "/me", { token: fresh.issued.sessionToken })).status).toBe(200);
      expect(await readUser(e.store, fresh.user.id)).toBeNull();
      expect(await readUser(e.store, stale.user.id)).not.toBeNull();
    }
  });
});

describe("sign-up mails a verification by default; resend uses the signed-in user", () => {
  let e: TestEngine;
  let quiet: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine();
    quiet = await createTestEngine({ config: { sendVerificationOnSignUp: false } });
  });
  afterAll(async () => {
    await e?.drop();
    await quiet?.drop();
  });

  it("sends the verification mail at sign-up unless sendVerificationOnSignUp is false", async () => {
    const email = uniqueEmail("welcome");
    await signUp(e, email);
    expect(e.mailer.lastTo(email)?.subject).toBe("Verify your email address");
    const silent = uniqueEmail("silent");
    await signUp(quiet, silent);
    expect(quiet.mailer.lastTo(silent)).toBeUndefined();
  });

  it("resends to the session's user when no email is given, and asks for one without a session", async () => {
    const email = uniqueEmail("resend-session");
    const up = await signUp(quiet, email);
    expect((await quiet.call("POST", "/verify-email/resend", { token: up.session_token })).status).toBe(200);
    expect(quiet.mailer.lastTo(email)?.subject).toBe("Verify your email address");
    expect((await quiet.call("POST", "/verify-email/resend", { body: {} })).status).toBe(401);
  });
});
