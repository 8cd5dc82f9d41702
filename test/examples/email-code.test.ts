// The README's email-code example plugin works as documented, end to end over HTTP: a mailed code signs in (and
// proves the mailbox), unknown addresses are indistinguishable, the code is stored only keyed-hashed, and tickets
// die after their attempts, their lifetime or one use.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmailCodeApi, emailCode } from "../../examples/plugins/email-code.js";
import { countRows, createTestEngine, type TestEngine, uniqueEmail } from "../support/engine.js";

const pw = "a fine password";
let e: TestEngine;

beforeAll(async () => {
  e = await createTestEngine({ plugins: [emailCode()] });
});
afterAll(async () => {
  await e?.drop();
});

/** A signed-up (unverified) user, with the sign-up mail cleared away. */
async function signUp(tag: string): Promise<{ id: string; email: string }> {
  const email = uniqueEmail(tag);
  const res = await e.call("POST", "/signup", { body: { email, password: pw } });
  expect(res.status).toBe(201);
  e.mailer.clear();
  return { id: res.body.user.id as string, email };
}

/** Starts a sign-in for `email`; returns the ticket and the code mailed to it. */
async function start(email: string): Promise<{ ticket: string; code: string }> {
  const res = await e.call("POST", "/email-code/start", { body: { email } });
  expect(res.status).toBe(200);
  const mail = e.mailer.lastTo(email);
  const code = mail ? /\b(\d{6})\b/.exec(mail.text)?.[1] : undefined;
  if (!code) throw new Error(`no code mailed to ${email}`);
  return { ticket: res.body.ticket as string, code };
}

const verify = (ticket: string, code: string) => e.call("POST", "/email-code/verify", { body: { ticket, code } });
const wrongCode = (code: string) => (code === "000000" ? "000001" : "000000");

describe("the email-code example plugin", () => {
  it("signs in with the mailed code: a working session of method email_code, and the email verified", async () => {
    const user = await signUp("code-ok");
    const started = await e.call("POST", "/email-code/start", { body: { email: user.email } });
    expect(started.body).toEqual({ status: "ok", ticket: expect.stringMatching(/^ec_/) });
    const mail = e.mailer.lastTo(user.email);
    expect(mail?.subject).toBe("Your sign-in code");
    const code = /\b(\d{6})\b/.exec(mail?.text ?? "")?.[1] as string;

    const res = await verify(started.body.ticket, code);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: user.id, email: user.email, email_verified: true });
    const session = await e.call("GET", "/session", { token: res.body.session_token });
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe(user.id);
    const [row] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [res.body.session.id]);
    expect(row?.method).toBe("email_code");
    const [stored] = await e.t.query<{ email_verified: boolean }>("SELECT email_verified FROM authsome_users WHERE id = $1", [user.id]);
    expect(stored?.email_verified).toBe(true);
    expect(await countRows(e, "authsome_audit_events WHERE type = $1 AND user_id = $2", ["email_code.sent", user.id])).toBe(1);
  });

  it("answers an unknown address exactly as a real one, begins a ceremony, and mails nothing", async () => {
    const known = await e.call("POST", "/email-code/start", { body: { email: (await signUp("code-known")).email } });
    e.mailer.clear();
    const before = await countRows(e, "authsome_ceremonies WHERE kind = 'email_code'");
    const unknown = await e.call("POST", "/email-code/start", { body: { email: uniqueEmail("nobody") } });
    expect(unknown.status).toBe(known.status);
    expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
    expect(unknown.body).toEqual({ status: "ok", ticket: expect.stringMatching(/^ec_/) });
    expect(e.mailer.messages).toHaveLength(0);
    expect(await countRows(e, "authsome_ceremonies WHERE kind = 'email_code'")).toBe(before + 1);
    // No code was mailed, and no guess signs in.
    expect((await verify(unknown.body.ticket, "123456")).body.code).toBe("invalid_code");
  });

  it("keeps the code only as a keyed hash in the ceremony", async () => {
    const user = await signUp("code-hashed");
    const { code } = await start(user.email);
    const rows = await e.t.query<{ payload: string }>("SELECT payload::text AS payload FROM authsome_ceremonies WHERE kind = 'email_code'");
    expect(rows.length).toBeGreaterThan(0);
    for (const { payload } of rows) expect(payload).not.toContain(code);
    expect(rows.some(({ payload }) => /"codeHash": ?"v[0-9a-f]{8}\.[0-9a-f]{64}"/.test(payload))).toBe(true);
  });

  it("refuses a wrong code with invalid_code naming the code field, and the right one still works after it", async () => {
    const user = await signUp("code-wrong");
    const { ticket, code } = await start(user.email);
    const wrong = await verify(ticket, wrongCode(code));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: "invalid_code", details: { fields: { code: expect.any(String) } } });
    expect(await countRows(e, "authsome_audit_events WHERE type = $1 AND user_id = $2", ["email_code.failed", user.id])).toBe(1);
    expect((await verify(ticket, code)).status).toBe(200);
  });

  it("kills the ticket after maxAttempts (5) answers: then even the right code is invalid_ticket", async () => {
    const user = await signUp("code-burned");
    const { ticket, code } = await start(user.email);
    for (let i = 0; i < 5; i++) expect((await verify(ticket, wrongCode(code))).body.code).toBe("invalid_code");
    const right = await verify(ticket, code);
    expect(right.status).toBe(400);
    expect(right.body).toMatchObject({ code: "invalid_ticket", details: { fields: { ticket: expect.any(String) } } });
  });

  it("expires the code after codeTtlSeconds (600)", async () => {
    const user = await signUp("code-expired");
    const { ticket, code } = await start(user.email);
    e.clock.advance(601);
    const res = await verify(ticket, code);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_ticket");
  });

  it("signs in once per code: a second verify of the same ticket fails", async () => {
    const user = await signUp("code-once");
    const { ticket, code } = await start(user.email);
    expect((await verify(ticket, code)).status).toBe(200);
    const again = await verify(ticket, code);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("invalid_ticket");
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id])).toBe(2); // sign-up's and the code's
  });

  it("refuses a banned user with 403 user_banned, issuing no session", async () => {
    const user = await signUp("code-banned");
    await e.t.query("UPDATE authsome_users SET banned = true WHERE id = $1", [user.id]);
    const { ticket, code } = await start(user.email);
    const sessions = await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id]);
    const res = await verify(ticket, code);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("user_banned");
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id])).toBe(sessions);
  });

  it("leaves a banned user's email unverified", async () => {
    const user = await signUp("code-banned-unverified");
    await e.t.query("UPDATE authsome_users SET banned = true, email_verified = false WHERE id = $1", [user.id]);
    const { ticket, code } = await start(user.email);
    expect((await verify(ticket, code)).body.code).toBe("user_banned");
    const [row] = await e.t.query<{ email_verified: boolean }>("SELECT email_verified FROM authsome_users WHERE id = $1", [user.id]);
    expect(row?.email_verified).toBe(false);
  });

  it("sends one address at most 5 codes per code lifetime, however many tickets are asked for: the rest answer nothing", async () => {
    const user = await signUp("code-budget");
    const tickets: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await e.call("POST", "/email-code/start", { body: { email: user.email } });
      expect(res.status).toBe(200);
      tickets.push(res.body.ticket as string);
    }
    expect(e.mailer.messages.filter((m) => m.to === user.email)).toHaveLength(5);
    // The last code mailed answers its own ticket only; the tickets past the budget take no code at all.
    const lastCode = /\b(\d{6})\b/.exec(e.mailer.lastTo(user.email)?.text ?? "")?.[1] as string;
    expect((await verify(tickets[6] as string, lastCode)).body.code).toBe("invalid_code");
    expect((await verify(tickets[4] as string, lastCode)).status).toBe(200);
  });

  it("adds sendSignInCode and signInWithCode to auth.api, beside the password plugin's API", async () => {
    const api = e.auth.api as unknown as EmailCodeApi & { verifyEmailCode: unknown };
    expect(typeof api.verifyEmailCode).toBe("function"); // the password plugin's, unshadowed
    const user = await signUp("code-api");
    const meta = { ipAddress: "203.0.113.7", userAgent: "in-process" };
    const { ticket } = await api.sendSignInCode(user.email, meta);
    await e.auth.flushMail();
    const code = /\b(\d{6})\b/.exec(e.mailer.lastTo(user.email)?.text ?? "")?.[1] as string;
    const result = await api.signInWithCode(ticket, code, meta);
    expect(result).toMatchObject({ kind: "session", method: "email_code", user: { id: user.id } });
  });

  it("lists its routes in /openapi.json", async () => {
    const doc = await e.call("GET", "/openapi.json");
    expect(doc.body.paths["/email-code/start"]?.post).toBeDefined();
    expect(doc.body.paths["/email-code/verify"]?.post?.responses).toHaveProperty("200");
  });

  it("refuses unusable options at construction", () => {
    expect(() => emailCode({ maxAttempts: 0 })).toThrow(expect.objectContaining({ code: "invalid_config" }));
    expect(() => emailCode({ codeTtlSeconds: 1.5 })).toThrow(expect.objectContaining({ code: "invalid_config" }));
  });
});

describe("the email-code example plugin's per-IP limit", () => {
  let limited: TestEngine;
  beforeAll(async () => {
    limited = await createTestEngine({ plugins: [emailCode()], config: { rateLimits: { emailCodeStart: 2 } } });
  });
  afterAll(async () => {
    await limited?.drop();
  });

  it("answers 429 rate_limited on the third start within the window", async () => {
    const email = uniqueEmail("code-limited");
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = await limited.call("POST", "/email-code/start", { body: { email } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last?.body.code).toBe("rate_limited");
    expect(last?.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
