// Required MFA: under `mfa({ required: true })` (or an app's own policy) a user without a second factor is stopped at
// every way of signing in with 403 `mfa_enrollment_required` and a ticket that allows enrolment only; enrolling with
// that ticket (no session needed) completes the sign-in. The app policy overrides the plugin's option both ways, and
// a method that proved two factors itself passes without enrolling.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallResult, countRows, linkIn, uniqueEmail } from "../../support/engine.js";
import type { GitHubStandIn } from "../../support/github-standin.js";
import { setCookie, signInVia } from "../social/harness.js";
import { authenticatorFrom, codeAt, createMfaEngine, type MfaEngine, password, sessionMethod, startEveryWayIn, ticketFor } from "./support.js";

interface Account {
  email: string;
  userId: string;
  appId: string;
  /** The response of POST /signup: under required MFA a 403 with an enrolment ticket (see the first test). */
  signUp: CallResult;
}

/** A password sign-up on `e` (no second factor), the account read back from the database. */
async function signUp(e: MfaEngine, tag: string): Promise<Account> {
  const email = uniqueEmail(tag);
  const res = await e.call("POST", "/signup", { body: { email, password } });
  const [row] = await e.t.query<{ id: string; app_id: string }>("SELECT id, app_id FROM authsome_users WHERE email = $1", [email]);
  expect(row, JSON.stringify(res.body)).toBeDefined();
  return { email, userId: row?.id as string, appId: row?.app_id as string, signUp: res };
}

const signIn = (e: MfaEngine, email: string) => e.call("POST", "/signin", { body: { email, password } });
const sessionsOf = (e: MfaEngine, userId: string) => countRows(e, "authsome_sessions WHERE user_id = $1", [userId]);

/** The gate's answer to a user without a second factor: 403 mfa_enrollment_required, an enrolment ticket, no session. */
function expectEnrollmentRequired(res: CallResult): string {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body.code).toBe("mfa_enrollment_required");
  expect(res.body.details).toEqual({ mfa_ticket: expect.stringMatching(/^st_/), methods: ["totp"] });
  expect(setCookie(res, "authsome_session")).toBeUndefined();
  return res.body.details.mfa_ticket as string;
}

function expectInvalidTicket(res: CallResult): void {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body).toMatchObject({ code: "invalid_ticket", details: { fields: { mfa_ticket: expect.any(String) } } });
}

/** Enrols with an enrolment ticket alone (no session): the verify's response, which signs in. */
async function enrolWithTicket(e: MfaEngine, ticket: string): Promise<{ verify: CallResult; app: ReturnType<typeof authenticatorFrom> }> {
  const enroll = await e.call("POST", "/mfa/totp/enroll", { body: { mfa_ticket: ticket } });
  expect(enroll.status, JSON.stringify(enroll.body)).toBe(200);
  const app = authenticatorFrom(enroll.body.otpauth_url);
  const verify = await e.call("POST", "/mfa/totp/verify", { body: { mfa_ticket: ticket, code: codeAt(e, app) } });
  e.clock.advance(30); // past the step the verify used
  return { verify, app };
}

/** A user who enrolled through the enrolment ticket of their own sign-up (required MFA gives no other way in). */
async function signUpEnrolledVia(e: MfaEngine, tag: string): Promise<Account & { app: ReturnType<typeof authenticatorFrom> }> {
  const account = await signUp(e, tag);
  const { verify, app } = await enrolWithTicket(e, expectEnrollmentRequired(account.signUp));
  expect(verify.status, JSON.stringify(verify.body)).toBe(200);
  return { ...account, app };
}

/** A verify that completed the sign-in: the auth response with ten recovery codes, a session of `method` that works. */
async function expectEnrolledSignIn(e: MfaEngine, res: CallResult, userId: string, method: string): Promise<void> {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ user: { id: userId }, session: { id: expect.any(String) }, session_token: expect.any(String) });
  expect(res.body.recovery_codes).toHaveLength(10);
  expect(new Set(res.body.recovery_codes).size).toBe(10);
  expect(setCookie(res, "authsome_session")).toMatch(/^authsome_session=as_/);
  expect(await sessionMethod(e, res.body.session.id)).toBe(method);
  const status = await e.call("GET", "/mfa", { token: res.body.session_token });
  expect(status.body).toMatchObject({ enabled: true, recovery_codes_remaining: 10 });
}

describe("mfa({ required: true })", () => {
  let gh: GitHubStandIn;
  let e: MfaEngine;
  let close: () => Promise<void> = async () => {};
  let nextGitHubId = 9000;

  beforeAll(async () => {
    ({ e, gh, close } = await startEveryWayIn({ required: true }));
  });
  afterAll(() => close());

  it("stops the password sign-up itself: 403 mfa_enrollment_required, the account made but no session", async () => {
    // The sign-up's first session passes the gates like any sign-in, so required MFA asks for enrolment here too.
    const user = await signUp(e, "req-signup");
    const ticket = expectEnrollmentRequired(user.signUp);
    expect(user.signUp.body).not.toHaveProperty("user");
    expect(await sessionsOf(e, user.userId)).toBe(0);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'user.signed_up' AND user_id = $1", [user.userId])).toBe(1);

    // Every sign-in is stopped the same way until the user enrols; the sign-up's ticket then enrols and signs in.
    expectEnrollmentRequired(await signIn(e, user.email));
    expectEnrollmentRequired(await signIn(e, user.email));
    expect(await sessionsOf(e, user.userId)).toBe(0);
    await expectEnrolledSignIn(e, (await enrolWithTicket(e, ticket)).verify, user.userId, "password+totp");
    expect(await sessionsOf(e, user.userId)).toBe(1);
  });

  it("enrols with the ticket alone: the seed, key URI and QR code, then a verify that signs in as password+totp", async () => {
    const user = await signUp(e, "req-enrol");
    const ticket = await ticketFor(e, user.email, "mfa_enrollment_required");
    const enroll = await e.call("POST", "/mfa/totp/enroll", { body: { mfa_ticket: ticket } });
    expect(enroll.status, JSON.stringify(enroll.body)).toBe(200);
    expect(Object.keys(enroll.body).sort()).toEqual(["otpauth_url", "qr_svg", "secret"]);
    expect(enroll.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enroll.body.otpauth_url).toContain(`secret=${enroll.body.secret}`);
    expect(enroll.body.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const app = authenticatorFrom(enroll.body.otpauth_url);
    expect(app.label).toBe(user.email);

    const sessions = await sessionsOf(e, user.userId);
    const verify = await e.call("POST", "/mfa/totp/verify", { body: { mfa_ticket: ticket, code: codeAt(e, app) } });
    await expectEnrolledSignIn(e, verify, user.userId, "password+totp");
    expect(await sessionsOf(e, user.userId)).toBe(sessions + 1);
    e.clock.advance(30);

    // The ticket did its one sign-in: it neither restarts an enrolment nor verifies again.
    expectInvalidTicket(await e.call("POST", "/mfa/totp/enroll", { body: { mfa_ticket: ticket } }));
    expectInvalidTicket(await e.call("POST", "/mfa/totp/verify", { body: { mfa_ticket: ticket, code: codeAt(e, app) } }));
    expect(await sessionsOf(e, user.userId)).toBe(sessions + 1);

    // Enrolled now: the next sign-in is a challenge with both factors, answered by the app's code.
    const next = await signIn(e, user.email);
    expect(next.status).toBe(403);
    expect(next.body).toMatchObject({ code: "mfa_required", details: { methods: ["totp", "recovery_code"] } });
    const answered = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: next.body.details.mfa_ticket, code: codeAt(e, app) } });
    expect(answered.status).toBe(200);
    expect(await sessionMethod(e, answered.body.session.id)).toBe("password+totp");
  });

  it("keeps the enrolment ticket through a wrong first code (401 invalid_mfa_code) and a restarted enrolment", async () => {
    const user = await signUp(e, "req-wrong");
    const ticket = await ticketFor(e, user.email, "mfa_enrollment_required");
    const first = await e.call("POST", "/mfa/totp/enroll", { body: { mfa_ticket: ticket } });
    const second = await e.call("POST", "/mfa/totp/enroll", { body: { mfa_ticket: ticket } });
    expect(second.body.secret).not.toBe(first.body.secret);
    // The first seed was replaced: its code is wrong now.
    const stale = await e.call("POST", "/mfa/totp/verify", { body: { mfa_ticket: ticket, code: codeAt(e, authenticatorFrom(first.body.otpauth_url)) } });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: "invalid_mfa_code", details: { fields: { code: expect.any(String) } } });
    expect(await sessionsOf(e, user.userId)).toBe(0);
    const verify = await e.call("POST", "/mfa/totp/verify", { body: { mfa_ticket: ticket, code: codeAt(e, authenticatorFrom(second.body.otpauth_url)) } });
    await expectEnrolledSignIn(e, verify, user.userId, "password+totp");
  });

  it("separates the two kinds of ticket: an enrolment ticket is no challenge, a challenge ticket starts no enrolment", async () => {
    const user = await signUp(e, "req-kinds");
    const enrolTicket = await ticketFor(e, user.email, "mfa_enrollment_required");
    expectInvalidTicket(await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: enrolTicket, code: "123456" } }));
    expectInvalidTicket(await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: enrolTicket, recovery_code: "k7m2p-x9q4r" } }));
    // Refused as a challenge, it still enrols.
    await expectEnrolledSignIn(e, (await enrolWithTicket(e, enrolTicket)).verify, user.userId, "password+totp");

    const enrolled = await signUpEnrolledVia(e, "req-kinds-enrolled");
    const challengeTicket = await ticketFor(e, enrolled.email, "mfa_required");
    expectInvalidTicket(await e.call("POST", "/mfa/totp/enroll", { body: { mfa_ticket: challengeTicket } }));
    expectInvalidTicket(await e.call("POST", "/mfa/totp/verify", { body: { mfa_ticket: challengeTicket, code: codeAt(e, enrolled.app) } }));
    expect(await countRows(e, "authsome_mfa_enrollments WHERE user_id = $1 AND verified_at IS NOT NULL", [enrolled.userId])).toBe(1);
  });

  it("refuses enroll and verify with neither a session nor a ticket: 401", async () => {
    for (const [path, body] of [
      ["/mfa/totp/enroll", {}],
      ["/mfa/totp/verify", { code: "123456" }],
    ] as const) {
      const res = await e.call("POST", path, { body });
      expect(res.status, path).toBe(401);
      expect(res.body.code, path).toBe("unauthorized");
    }
    const bodiless = await e.call("POST", "/mfa/totp/enroll");
    expect(bodiless.status).toBe(401);
  });

  it("stops a magic-link sign-in (a known user's, and a new address's sign-up) until enrolment: then magic_link+totp", async () => {
    const followLink = async (email: string): Promise<CallResult> => {
      e.mailer.clear();
      expect((await e.call("POST", "/magic-link/send", { body: { email } })).status).toBe(200);
      const token = linkIn(e.mailer.lastTo(email)?.text ?? "").searchParams.get("token");
      return e.call("POST", "/magic-link/verify", { body: { token } });
    };
    const known = await signUp(e, "req-ml");
    const sessions = await sessionsOf(e, known.userId);
    const ticket = expectEnrollmentRequired(await followLink(known.email));
    expect(await sessionsOf(e, known.userId)).toBe(sessions);
    await expectEnrolledSignIn(e, (await enrolWithTicket(e, ticket)).verify, known.userId, "magic_link+totp");

    // A link to an unknown address makes the account, but no session before the second factor.
    const email = uniqueEmail("req-ml-new");
    const newTicket = expectEnrollmentRequired(await followLink(email));
    const [created] = await e.t.query<{ id: string }>("SELECT id FROM authsome_users WHERE email = $1", [email]);
    expect(created?.id).toEqual(expect.any(String));
    expect(await sessionsOf(e, created?.id as string)).toBe(0);
    await expectEnrolledSignIn(e, (await enrolWithTicket(e, newTicket)).verify, created?.id as string, "magic_link+totp");
  });

  it("stops a first GitHub sign-in (JSON 403, browser ?error=…#mfa_ticket=) until enrolment: then social:github+totp", async () => {
    const email = uniqueEmail("req-gh");
    const login = `req-gh-${++nextGitHubId}`;
    gh.addUser({ id: ++nextGitHubId, login, name: "Grace Hopper", emails: [{ email, primary: true, verified: true }] });
    gh.authorizeAs(login);

    const json = await signInVia(e, gh, "github");
    const ticket = expectEnrollmentRequired(json);
    const [created] = await e.t.query<{ id: string }>("SELECT id FROM authsome_users WHERE email = $1", [email]);
    const userId = created?.id as string;
    expect(await sessionsOf(e, userId)).toBe(0);

    const browser = await signInVia(e, gh, "github", { browser: true });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toMatch(/^http:\/\/app\.test\/\?error=mfa_enrollment_required#mfa_ticket=st_/);
    expect(setCookie(browser, "authsome_session")).toBeUndefined();

    await expectEnrolledSignIn(e, (await enrolWithTicket(e, ticket)).verify, userId, "social:github+totp");
    expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(1);
  });

  it("lets a method that proved two factors itself (multiFactor) sign in an unenrolled user without enrolment", async () => {
    const user = await signUp(e, "req-passkey");
    const res = await e.call("POST", "/test-passkey", { body: { email: user.email } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.id).toBe(user.userId);
    expect(await sessionMethod(e, res.body.session.id)).toBe("test_passkey");
    expect(await countRows(e, "authsome_mfa_enrollments WHERE user_id = $1", [user.userId])).toBe(0);
  });

  it("exempts an app whose policy is { required: false }; null brings the plugin's option back", async () => {
    const user = await signUp(e, "req-exempt");
    const enrolled = await signUpEnrolledVia(e, "req-exempt-enrolled");
    try {
      await e.api.setMfaPolicy(user.appId, { required: false });
      expect(await e.api.getMfaPolicy(user.appId)).toEqual({ required: false });
      const res = await signIn(e, user.email);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(await sessionMethod(e, res.body.session.id)).toBe("password");
      // An exemption drops the requirement to enrol, not the second factor of those who did.
      expect((await signIn(e, enrolled.email)).body.code).toBe("mfa_required");
    } finally {
      await e.api.setMfaPolicy(user.appId, null);
    }
    expect(await e.api.getMfaPolicy(user.appId)).toBeNull();
    expectEnrollmentRequired(await signIn(e, user.email));
  });
});

describe("an app's own policy over mfa({ required: false })", () => {
  let e: MfaEngine;
  beforeAll(async () => {
    e = await createMfaEngine();
  });
  afterAll(async () => {
    await e?.drop();
  });

  it("{ required: true } makes the app's users enrol at their next sign-in, existing users too; null lifts it", async () => {
    // A user who signed in without a second factor before the policy.
    const before = await signUp(e, "policy-existing");
    expect(before.signUp.status).toBe(201);
    const plain = await signIn(e, before.email);
    expect(plain.status).toBe(200);
    expect(await sessionMethod(e, plain.body.session.id)).toBe("password");
    expect(await e.api.getMfaPolicy(before.appId)).toBeNull();

    await e.api.setMfaPolicy(before.appId, { required: true });
    expect(await e.api.getMfaPolicy(before.appId)).toEqual({ required: true });
    expect(await countRows(e, "authsome_mfa_app_policies WHERE app_id = $1 AND required", [before.appId])).toBe(1);
    const sessions = await sessionsOf(e, before.userId);
    const ticket = expectEnrollmentRequired(await signIn(e, before.email));
    expect(await sessionsOf(e, before.userId)).toBe(sessions);
    const { verify, app } = await enrolWithTicket(e, ticket);
    await expectEnrolledSignIn(e, verify, before.userId, "password+totp");
    // A sign-up under the policy is stopped like one under mfa({ required: true }).
    const during = await signUp(e, "policy-new");
    expectEnrollmentRequired(during.signUp);
    expect(await sessionsOf(e, during.userId)).toBe(0);

    await e.api.setMfaPolicy(before.appId, null);
    expect(await e.api.getMfaPolicy(before.appId)).toBeNull();
    expect(await countRows(e, "authsome_mfa_app_policies")).toBe(0);
    // Without the policy an unenrolled user signs straight in again; the one who enrolled keeps the challenge.
    const after = await signUp(e, "policy-lifted");
    expect(after.signUp.status).toBe(201);
    expect((await signIn(e, after.email)).status).toBe(200);
    expect((await signIn(e, during.email)).status).toBe(200);
    const challenged = await signIn(e, before.email);
    expect(challenged.body.code).toBe("mfa_required");
    const answered = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: challenged.body.details.mfa_ticket, code: codeAt(e, app) } });
    expect(answered.status).toBe(200);
  });

  it("refuses an unknown app id with not_found and writes no policy; getMfaPolicy of it is null", async () => {
    await expect(e.api.setMfaPolicy("app_00000000000000000000000000", { required: true })).rejects.toMatchObject({ code: "not_found" });
    await expect(e.api.setMfaPolicy("no-such-app", null)).rejects.toMatchObject({ code: "not_found" });
    expect(await countRows(e, "authsome_mfa_app_policies")).toBe(0);
    expect(await e.api.getMfaPolicy("no-such-app")).toBeNull();
  });
});
