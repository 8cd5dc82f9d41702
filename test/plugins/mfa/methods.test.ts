// The MFA gate on every way of signing in: a user with a verified TOTP enrolment is stopped at each password, GitHub
// (JSON and browser callbacks) and magic-link sign-in with 403 `mfa_required` and a ticket — no session, no cookie —
// and the ticket answered with a current code or a recovery code makes the session, its method `<method>+<factor>`.
// A method that proved two factors itself (a passkey-like test plugin) passes the gate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../../src/plugin/index.js";
import { type CallResult, countRows, linkIn, uniqueEmail } from "../../support/engine.js";
import type { GitHubStandIn } from "../../support/github-standin.js";
import { setCookie, signInVia } from "../social/harness.js";
import { codeAt, type Enrolled, enrolWithSession, type MfaEngine, password, sessionMethod, signUpEnrolled, startEveryWayIn, ticketFor } from "./support.js";

let gh: GitHubStandIn;
let e: MfaEngine;
let close: () => Promise<void> = async () => {};
let nextGitHubId = 7000;

beforeAll(async () => {
  ({ e, gh, close } = await startEveryWayIn());
});
afterAll(() => close());

const sessionsOf = (userId: string) => countRows(e, "authsome_sessions WHERE user_id = $1", [userId]);
const challenge = (body: Record<string, unknown>) => e.call("POST", "/mfa/challenge", { body });

/** The gate's answer to a sign-in: 403 mfa_required, the ticket and both factors in details, no session cookie. */
function expectMfaRequired(res: CallResult): string {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body).toMatchObject({ code: "mfa_required", details: { mfa_ticket: expect.stringMatching(/^st_/), methods: ["totp", "recovery_code"] } });
  expect(setCookie(res, "authsome_session")).toBeUndefined();
  expect(res.body).not.toHaveProperty("session_token");
  return res.body.details.mfa_ticket as string;
}

/** A signed-in answer: the auth response for `userId`, its session cookie set, the session working and of `method`. */
async function expectSignedIn(res: CallResult, userId: string, method: string): Promise<void> {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ user: { id: userId }, session: { id: expect.any(String) }, session_token: expect.any(String), refresh_token: expect.any(String) });
  expect(setCookie(res, "authsome_session")).toMatch(/^authsome_session=as_/);
  expect(await sessionMethod(e, res.body.session.id)).toBe(method);
  const session = await e.call("GET", "/session", { token: res.body.session_token });
  expect(session.status).toBe(200);
  expect(session.body.user.id).toBe(userId);
}

describe("password sign-in of an enrolled user", () => {
  it("stops at the gate every time: 403 mfa_required, a new ticket each time, no session row", async () => {
    const user = await signUpEnrolled(e, "pw-gate");
    const sessions = await sessionsOf(user.userId);
    const first = await e.call("POST", "/signin", { body: { email: user.email, password } });
    const second = await e.call("POST", "/signin", { body: { email: user.email, password } });
    const tickets = [expectMfaRequired(first), expectMfaRequired(second)];
    expect(tickets[0]).not.toBe(tickets[1]);
    expect(await sessionsOf(user.userId)).toBe(sessions);
    // The ticket is a ceremony of the gate, stored only as its hash.
    for (const ticket of tickets) expect(await countRows(e, "authsome_ceremonies WHERE kind = 'signin:mfa' AND key_hash = $1", [hashToken(ticket)])).toBe(1);
  });

  it("signs in with a current code: session method password+totp; the ticket is spent, and the next sign-in is challenged again", async () => {
    const user = await signUpEnrolled(e, "pw-totp");
    const ticket = await ticketFor(e, user.email);
    const sessions = await sessionsOf(user.userId);
    const res = await challenge({ mfa_ticket: ticket, code: codeAt(e, user.app) });
    await expectSignedIn(res, user.userId, "password+totp");
    expect(await sessionsOf(user.userId)).toBe(sessions + 1);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'signin.succeeded' AND user_id = $1 AND metadata->>'method' = 'password+totp'", [user.userId])).toBe(1);

    e.clock.advance(30); // a fresh code, so only the spent ticket can be the reason for the refusal
    const again = await challenge({ mfa_ticket: ticket, code: codeAt(e, user.app) });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: "invalid_ticket", details: { fields: { mfa_ticket: expect.any(String) } } });
    expect(await sessionsOf(user.userId)).toBe(sessions + 1);

    // Having answered once earns nothing: the gate asks at every sign-in.
    expectMfaRequired(await e.call("POST", "/signin", { body: { email: user.email, password } }));
  });

  it("refuses a wrong code and a replayed one with 401 invalid_mfa_code; the ticket then still takes a right one", async () => {
    const user = await signUpEnrolled(e, "pw-wrong");
    const ticket = await ticketFor(e, user.email);
    const right = codeAt(e, user.app);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    const refused = await challenge({ mfa_ticket: ticket, code: wrong });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: "invalid_mfa_code", details: { fields: { code: expect.any(String) } } });
    // The code the enrolment was verified with (one step back, still inside the drift window) was used already.
    const replayed = await challenge({ mfa_ticket: ticket, code: codeAt(e, user.app, -1) });
    expect(replayed.status).toBe(401);
    expect(replayed.body.code).toBe("invalid_mfa_code");
    expect(await sessionsOf(user.userId)).toBe(1); // the sign-up's only
    await expectSignedIn(await challenge({ mfa_ticket: ticket, code: right }), user.userId, "password+totp");
    expect(await countRows(e, "authsome_audit_events WHERE type = 'mfa.challenge_failed' AND user_id = $1", [user.userId])).toBe(2);
  });

  it("signs in with a recovery code: session method password+recovery_code; that code then works no more", async () => {
    const user = await signUpEnrolled(e, "pw-recovery");
    const [code = ""] = user.recoveryCodes;
    await expectSignedIn(await challenge({ mfa_ticket: await ticketFor(e, user.email), recovery_code: code }), user.userId, "password+recovery_code");
    expect(await countRows(e, "authsome_mfa_recovery_codes WHERE user_id = $1 AND used_at IS NOT NULL", [user.userId])).toBe(1);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'mfa.recovery_code_used' AND user_id = $1", [user.userId])).toBe(1);

    const reused = await challenge({ mfa_ticket: await ticketFor(e, user.email), recovery_code: code });
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ code: "invalid_mfa_code", details: { fields: { recovery_code: expect.any(String) } } });
    // Another of the ten still works, typed in capitals without the dash.
    const other = (user.recoveryCodes[1] ?? "").replace("-", "").toUpperCase();
    await expectSignedIn(await challenge({ mfa_ticket: await ticketFor(e, user.email), recovery_code: other }), user.userId, "password+recovery_code");
  });

  it("lets a user without an enrolment straight in (method password): the gate challenges only the enrolled", async () => {
    const email = uniqueEmail("pw-plain");
    const up = await e.call("POST", "/signup", { body: { email, password } });
    expect(up.status).toBe(201);
    await expectSignedIn(await e.call("POST", "/signin", { body: { email, password } }), up.body.user.id, "password");
  });
});

describe("GitHub sign-in of an enrolled user", () => {
  /** A GitHub account whose first sign-in (no MFA yet) made the user, who then enrolled with that session. */
  async function gitHubEnrolled(tag: string): Promise<Pick<Enrolled, "email" | "userId" | "app" | "recoveryCodes">> {
    const email = uniqueEmail(tag);
    const login = `${tag}-${++nextGitHubId}`;
    gh.addUser({ id: ++nextGitHubId, login, name: "Ada Lovelace", emails: [{ email, primary: true, verified: true }] });
    gh.authorizeAs(login);
    const first = await signInVia(e, gh, "github");
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ is_new_user: true, user: { email } });
    const userId = first.body.user.id as string;
    return { email, userId, ...(await enrolWithSession(e, first.body.session_token)) };
  }

  it("answers a JSON callback with 403 mfa_required and no session; a code completes it as social:github+totp", async () => {
    const user = await gitHubEnrolled("gh-json");
    const sessions = await sessionsOf(user.userId);
    const res = await signInVia(e, gh, "github");
    const ticket = expectMfaRequired(res);
    expect(await sessionsOf(user.userId)).toBe(sessions);
    await expectSignedIn(await challenge({ mfa_ticket: ticket, code: codeAt(e, user.app) }), user.userId, "social:github+totp");
    expect(await sessionsOf(user.userId)).toBe(sessions + 1);
  });

  it("sends a browser back to the app with ?error=mfa_required and the ticket in the fragment; a recovery code completes it", async () => {
    const user = await gitHubEnrolled("gh-browser");
    const sessions = await sessionsOf(user.userId);
    const res = await signInVia(e, gh, "github", { browser: true });
    expect(res.status).toBe(302);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^http:\/\/app\.test\/\?error=mfa_required#mfa_ticket=st_[A-Za-z0-9_-]+$/);
    expect(setCookie(res, "authsome_session")).toBeUndefined();
    expect(await sessionsOf(user.userId)).toBe(sessions);
    const ticket = new URLSearchParams(new URL(location).hash.slice(1)).get("mfa_ticket") as string;
    await expectSignedIn(await challenge({ mfa_ticket: ticket, recovery_code: user.recoveryCodes[0] }), user.userId, "social:github+recovery_code");
  });
});

describe("magic-link sign-in of an enrolled user", () => {
  /** Mails a link to `email` and follows it. */
  async function followLink(email: string): Promise<CallResult> {
    e.mailer.clear();
    expect((await e.call("POST", "/magic-link/send", { body: { email } })).status).toBe(200);
    const token = linkIn(e.mailer.lastTo(email)?.text ?? "").searchParams.get("token");
    expect(token).toMatch(/^ml_/);
    return e.call("POST", "/magic-link/verify", { body: { token } });
  }

  it("stops the verify at the gate with 403 mfa_required; a code completes it as magic_link+totp", async () => {
    const user = await signUpEnrolled(e, "ml-totp");
    const sessions = await sessionsOf(user.userId);
    const ticket = expectMfaRequired(await followLink(user.email));
    expect(await sessionsOf(user.userId)).toBe(sessions);
    await expectSignedIn(await challenge({ mfa_ticket: ticket, code: codeAt(e, user.app) }), user.userId, "magic_link+totp");
  });

  it("takes a recovery code for the second factor as well: magic_link+recovery_code", async () => {
    const user = await signUpEnrolled(e, "ml-recovery");
    const ticket = expectMfaRequired(await followLink(user.email));
    await expectSignedIn(await challenge({ mfa_ticket: ticket, recovery_code: user.recoveryCodes[9] }), user.userId, "magic_link+recovery_code");
  });
});

describe("a method that proves two factors itself (multiFactor)", () => {
  it("passes the gate: an enrolled user gets a session of method test_passkey at once, with no ticket made", async () => {
    const user = await signUpEnrolled(e, "passkey");
    const tickets = await countRows(e, "authsome_ceremonies WHERE kind = 'signin:mfa'");
    const res = await e.call("POST", "/test-passkey", { body: { email: user.email } });
    await expectSignedIn(res, user.userId, "test_passkey");
    expect(await countRows(e, "authsome_ceremonies WHERE kind = 'signin:mfa'")).toBe(tickets);
    // The same user's password sign-in is still challenged.
    expectMfaRequired(await e.call("POST", "/signin", { body: { email: user.email, password } }));
  });
});
