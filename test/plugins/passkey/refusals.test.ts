// What the passkey plugin refuses, over HTTP with the software authenticator: every login verify it cannot trust is
// 401 invalid_passkey and changes nothing (no session, counter, last use or passkey.used event); a sign counter that
// goes backwards flags the credential for good and tells the owner; registration answers only the account's own open
// ceremony; user verification as configured; the MFA gate; and the per-IP limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../../src/store/contract/index.js";
import { mfa } from "../../../src/plugins/mfa/index.js";
import { countRows, type TestEngine } from "../../support/engine.js";
import { codeAt, enrolWithSession, sessionMethod } from "../mfa/support.js";
import {
  asApp,
  createPasskeyEngine,
  localCredential,
  loginOptions,
  pageOrigin,
  password,
  type PasskeyEngine,
  registerPasskey,
  signInWithPasskey,
  signUp,
  SoftAuthenticator,
  userHandle,
} from "./support.js";

/** What a login changes: the user's sessions, the credential's counter and last use, its passkey.used events. */
async function loginState(e: TestEngine, userId: string, passkeyId: string) {
  const [row] = await e.t.query<{ counter: string; last_used_at: Date | null; flagged_at: Date | null }>(
    "SELECT counter, last_used_at, flagged_at FROM authsome_passkeys WHERE id = $1",
    [passkeyId],
  );
  return {
    sessions: await countRows(e, "authsome_sessions WHERE user_id = $1", [userId]),
    counter: row ? Number(row.counter) : null,
    lastUsedAt: row?.last_used_at ? new Date(row.last_used_at).toISOString() : null,
    used: await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.used'", [userId]),
  };
}

/** A signed-up user with one registered passkey on a fresh authenticator. */
async function userWithPasskey(e: TestEngine, tag: string) {
  const user = await signUp(e, tag);
  const authenticator = new SoftAuthenticator();
  const registered = await registerPasskey(e, user.token, authenticator);
  return { ...user, authenticator, passkeyId: registered.id as string, credentialId: authenticator.credentials[0]!.id };
}

function expectInvalidPasskey(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBe(401);
  expect(res.body.code).toBe("invalid_passkey");
  expect(res.body.session_token).toBeUndefined();
}

const verify = (e: TestEngine, ceremony_id: string, response: unknown, options = {}) => e.call("POST", "/passkeys/login/verify", { ...options, body: { ceremony_id, response } });

describe("login verify refusals: 401 invalid_passkey, nothing changed", () => {
  let e: PasskeyEngine;
  let other: App;
  beforeAll(async () => {
    e = await createPasskeyEngine();
    other = await e.auth.api.createApp({ name: "Other", slug: "passkey-other" });
  });
  afterAll(async () => {
    await e.drop();
  });

  /** Runs `attempt` against a user with a passkey and checks it was refused with no trace; a genuine sign-in still works after. */
  async function refusedWithoutTrace(tag: string, attempt: (u: Awaited<ReturnType<typeof userWithPasskey>>) => Promise<{ status: number; body: any }>) {
    const u = await userWithPasskey(e, tag);
    const before = await loginState(e, u.userId, u.passkeyId);
    expectInvalidPasskey(await attempt(u));
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(before);
    // The refusal was the tampering's doing: the same credential, untampered, signs in.
    const genuine = await signInWithPasskey(e, u.authenticator, { credentialId: u.credentialId });
    expect(genuine.status, JSON.stringify(genuine.body)).toBe(200);
    return u;
  }

  it("refuses an expired ceremony (past the 5 minute timeout)", async () => {
    await refusedWithoutTrace("pk-expired", async (u) => {
      const { ceremony_id, options } = await loginOptions(e);
      const response = u.authenticator.authenticate(options, pageOrigin);
      e.clock.advance(5 * 60 + 1);
      return verify(e, ceremony_id, response);
    });
  });

  it("accepts a ceremony just inside the timeout", async () => {
    const u = await userWithPasskey(e, "pk-inside");
    const { ceremony_id, options } = await loginOptions(e);
    e.clock.advance(5 * 60 - 5);
    const res = await verify(e, ceremony_id, u.authenticator.authenticate(options, pageOrigin));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it("refuses a replayed ceremony: the same ceremony id and response work once", async () => {
    const u = await userWithPasskey(e, "pk-replay");
    const { ceremony_id, options } = await loginOptions(e);
    const response = u.authenticator.authenticate(options, pageOrigin);
    const first = await verify(e, ceremony_id, response);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const after = await loginState(e, u.userId, u.passkeyId);
    expect(after).toMatchObject({ counter: 1, used: 1 });
    expectInvalidPasskey(await verify(e, ceremony_id, response));
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(after);
  });

  it("refuses a ceremony begun in another app (options as app B, verified as app A)", async () => {
    await refusedWithoutTrace("pk-other-ceremony", async (u) => {
      const { ceremony_id, options } = (await e.call("POST", "/passkeys/login/options", asApp(other.publishableKey as string))).body;
      return verify(e, ceremony_id, u.authenticator.authenticate(options, pageOrigin));
    });
  });

  it("refuses app A's credential in app B, even with app B's own ceremony", async () => {
    await refusedWithoutTrace("pk-other-app", async (u) => {
      const opened = await e.call("POST", "/passkeys/login/options", asApp(other.publishableKey as string));
      expect(opened.status).toBe(200);
      const response = u.authenticator.authenticate(opened.body.options, pageOrigin);
      return verify(e, opened.body.ceremony_id, response, asApp(other.publishableKey as string));
    });
  });

  it.each(["https://evil.example", "http://127.0.0.1:3000", "https://localhost"])("refuses the origin %s", async (origin) => {
    await refusedWithoutTrace("pk-origin", (u) => signInWithPasskey(e, u.authenticator, { origin }));
  });

  it("refuses an assertion for another RP ID", async () => {
    await refusedWithoutTrace("pk-rpid", (u) => signInWithPasskey(e, u.authenticator, { rpId: "evil.example" }));
  });

  it("refuses a clientData type other than webauthn.get", async () => {
    await refusedWithoutTrace("pk-type", (u) => signInWithPasskey(e, u.authenticator, { type: "webauthn.create" }));
  });

  it("refuses an assertion without user presence", async () => {
    await refusedWithoutTrace("pk-up", (u) => signInWithPasskey(e, u.authenticator, { flags: { userPresent: false } }));
  });

  it("refuses a credential it never registered", async () => {
    const stranger = new SoftAuthenticator();
    const sessionsBefore = await countRows(e, "authsome_sessions");
    const usedBefore = await countRows(e, "authsome_audit_events WHERE type = 'passkey.used'");
    localCredential(stranger);
    expectInvalidPasskey(await signInWithPasskey(e, stranger));
    expect(await countRows(e, "authsome_sessions")).toBe(sessionsBefore);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'passkey.used'")).toBe(usedBefore);
  });

  it("refuses the credential of a deleted account (deletion removed it)", async () => {
    const u = await userWithPasskey(e, "pk-deleted");
    const deleted = await e.call("DELETE", "/me", { token: u.token, body: { password } });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(await countRows(e, "authsome_passkeys WHERE user_id = $1", [u.userId])).toBe(0);
    const sessionsBefore = await countRows(e, "authsome_sessions WHERE user_id = $1", [u.userId]);
    expectInvalidPasskey(await signInWithPasskey(e, u.authenticator));
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [u.userId])).toBe(sessionsBefore);
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.used'", [u.userId])).toBe(0);
  });

  it("refuses a signature made with another key", async () => {
    await refusedWithoutTrace("pk-signature", (u) => signInWithPasskey(e, u.authenticator, { credentialId: u.credentialId, signWith: localCredential(u.authenticator) }));
  });

  it("refuses a wrong or missing user handle", async () => {
    const someone = await signUp(e, "pk-someone");
    const u = await refusedWithoutTrace("pk-handle", (u) => signInWithPasskey(e, u.authenticator, { credentialId: u.credentialId, userHandle: userHandle(someone.userId) }));
    const before = await loginState(e, u.userId, u.passkeyId);
    expectInvalidPasskey(await signInWithPasskey(e, u.authenticator, { credentialId: u.credentialId, userHandle: null }));
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(before);
    expect(await loginState(e, someone.userId, u.passkeyId)).toMatchObject({ sessions: 1, used: 0 });
  });

  it("refuses the challenge of another ceremony, and that ceremony's id is spent", async () => {
    const u = await refusedWithoutTrace("pk-challenge", async (u) => {
      const first = await loginOptions(e);
      const second = await loginOptions(e);
      const response = u.authenticator.authenticate(first.options, pageOrigin, { challenge: second.options.challenge });
      return verify(e, first.ceremony_id, response);
    });
    // A made-up challenge is refused the same way.
    const before = await loginState(e, u.userId, u.passkeyId);
    const { ceremony_id, options } = await loginOptions(e);
    expectInvalidPasskey(await verify(e, ceremony_id, u.authenticator.authenticate(options, pageOrigin, { challenge: Buffer.from("made-up").toString("base64url") })));
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(before);
  });

  it("refuses a made-up ceremony id", async () => {
    await refusedWithoutTrace("pk-madeup", async (u) => {
      const { options } = await loginOptions(e);
      return verify(e, "pkl_made_up_ceremony_id_000000000000", u.authenticator.authenticate(options, pageOrigin));
    });
  });

  it("answers a malformed body with 400 before touching anything", async () => {
    const u = await userWithPasskey(e, "pk-malformed");
    const before = await loginState(e, u.userId, u.passkeyId);
    const { ceremony_id, options } = await loginOptions(e);
    const response = u.authenticator.authenticate(options, pageOrigin);
    const bad = await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id, response: { ...response, type: "not-public-key" } } });
    expect(bad.status).toBe(400);
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(before);
    // The ceremony was not consumed by the refused body.
    expect((await verify(e, ceremony_id, response)).status).toBe(200);
  });
});

describe("sign counter", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine();
  });
  afterAll(async () => {
    await e.drop();
  });

  it("flags a credential whose counter goes backwards: refused, recorded, shown, mailed, and the genuine one is refused too", async () => {
    const u = await userWithPasskey(e, "pk-clone");
    const clone = u.authenticator.clone(); // a copy at counter 0
    const first = await signInWithPasskey(e, u.authenticator);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const before = await loginState(e, u.userId, u.passkeyId);
    expect(before.counter).toBe(1);
    e.mailer.clear();

    // The copy signs with counter 1: not above the stored 1.
    expectInvalidPasskey(await signInWithPasskey(e, clone));
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(before);
    const [row] = await e.t.query<{ flagged_at: Date | null }>("SELECT flagged_at FROM authsome_passkeys WHERE id = $1", [u.passkeyId]);
    expect(row?.flagged_at).not.toBeNull();
    const events = await e.t.query<{ metadata: any }>("SELECT metadata FROM authsome_audit_events WHERE user_id = $1 AND type = 'passkey.counter_regression'", [u.userId]);
    expect(events).toHaveLength(1);
    const metadata = typeof events[0]!.metadata === "string" ? JSON.parse(events[0]!.metadata) : events[0]!.metadata;
    expect(metadata).toMatchObject({ passkey_id: u.passkeyId, stored_counter: 1, presented_counter: 1 });

    const list = await e.call("GET", "/passkeys", { token: u.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ id: u.passkeyId, flagged: true })]);

    const mails = e.mailer.messages.filter((m) => m.to === u.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe("A passkey of your account may have been copied");

    // The genuine authenticator (counter 2, forward) no longer signs in either; no second flag event or mail.
    expectInvalidPasskey(await signInWithPasskey(e, u.authenticator));
    expectInvalidPasskey(await signInWithPasskey(e, clone, { counter: 100 }));
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(before);
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.counter_regression'", [u.userId])).toBe(1);
    expect(e.mailer.messages.filter((m) => m.to === u.email)).toHaveLength(1);
  });

  it("refuses, but does not flag, an honest assertion that arrives after a later one (two tabs): its challenge predates the last use", async () => {
    const u = await userWithPasskey(e, "pk-late");
    const early = await loginOptions(e);
    const late = await loginOptions(e);
    const first = u.authenticator.authenticate(early.options, pageOrigin); // counter 1
    const second = u.authenticator.authenticate(late.options, pageOrigin); // counter 2
    e.clock.advance(1);
    const won = await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id: late.ceremony_id, response: second } });
    expect(won.status, JSON.stringify(won.body)).toBe(200);
    expectInvalidPasskey(await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id: early.ceremony_id, response: first } }));
    expect(await countRows(e, "authsome_passkeys WHERE id = $1 AND flagged_at IS NULL", [u.passkeyId])).toBe(1);
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.counter_regression'", [u.userId])).toBe(0);
    expect((await signInWithPasskey(e, u.authenticator)).status).toBe(200);
    // The same low counter on a challenge issued after that use can only come from a copy: flagged.
    e.clock.advance(1);
    const copy = await loginOptions(e);
    expectInvalidPasskey(await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id: copy.ceremony_id, response: u.authenticator.authenticate(copy.options, pageOrigin, { counter: 2 }) } }));
    expect(await countRows(e, "authsome_passkeys WHERE id = $1 AND flagged_at IS NOT NULL", [u.passkeyId])).toBe(1);
  });

  it("flags a counter of 0 after a counter above 0", async () => {
    const u = await userWithPasskey(e, "pk-zero-after");
    expect((await signInWithPasskey(e, u.authenticator)).status).toBe(200);
    expectInvalidPasskey(await signInWithPasskey(e, u.authenticator, { counter: 0 }));
    expect(await countRows(e, "authsome_passkeys WHERE id = $1 AND flagged_at IS NOT NULL", [u.passkeyId])).toBe(1);
  });

  it("does not flag on an unsigned response with a low counter (the signature is checked first)", async () => {
    const u = await userWithPasskey(e, "pk-unsigned");
    expect((await signInWithPasskey(e, u.authenticator)).status).toBe(200);
    expectInvalidPasskey(await signInWithPasskey(e, u.authenticator, { credentialId: u.credentialId, counter: 1, signWith: localCredential(u.authenticator) }));
    expect(await countRows(e, "authsome_passkeys WHERE id = $1 AND flagged_at IS NULL", [u.passkeyId])).toBe(1);
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.counter_regression'", [u.userId])).toBe(0);
    expect((await signInWithPasskey(e, u.authenticator, { credentialId: u.credentialId })).status).toBe(200);
  });

  it("keeps signing in an authenticator that always reports counter 0", async () => {
    const u = await userWithPasskey(e, "pk-zero");
    for (let i = 0; i < 3; i++) {
      const res = await signInWithPasskey(e, u.authenticator, { counter: 0 });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    expect(await loginState(e, u.userId, u.passkeyId)).toMatchObject({ counter: 0, used: 3, sessions: 4 });
    expect(await countRows(e, "authsome_passkeys WHERE id = $1 AND flagged_at IS NULL", [u.passkeyId])).toBe(1);
  });
});

describe('passkey({ userVerification: "required" })', () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine({ passkey: { userVerification: "required" } });
  });
  afterAll(async () => {
    await e.drop();
  });

  it("refuses a registration without user verification with 400, storing nothing", async () => {
    const user = await signUp(e, "pk-uv-reg");
    const options = await e.call("POST", "/passkeys/register/options", { token: user.token, body: {} });
    expect(options.body.options.authenticatorSelection.userVerification).toBe("required");
    const response = new SoftAuthenticator({ userVerified: false }).register(options.body.options, pageOrigin);
    const res = await e.call("POST", "/passkeys/register/verify", { token: user.token, body: { response } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("invalid_passkey");
    expect(await countRows(e, "authsome_passkeys WHERE user_id = $1", [user.userId])).toBe(0);
  });

  it("refuses a sign-in without user verification with 401, and takes one with it", async () => {
    const u = await userWithPasskey(e, "pk-uv-login");
    const before = await loginState(e, u.userId, u.passkeyId);
    expectInvalidPasskey(await signInWithPasskey(e, u.authenticator, { flags: { userVerified: false } }));
    expect(await loginState(e, u.userId, u.passkeyId)).toEqual(before);
    expect((await signInWithPasskey(e, u.authenticator)).status).toBe(200);
  });
});

describe("registration refusals", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine();
  });
  afterAll(async () => {
    await e.drop();
  });

  const options = async (token: string) => {
    const res = await e.call("POST", "/passkeys/register/options", { token, body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.options;
  };
  const submit = (token: string, response: unknown) => e.call("POST", "/passkeys/register/verify", { token, body: { response } });
  const expectRefused = (res: { status: number; body: any }) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("invalid_passkey");
  };
  const passkeysOf = (userId: string) => countRows(e, "authsome_passkeys WHERE user_id = $1", [userId]);
  const registeredEvents = (userId: string) => countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.registered'", [userId]);

  it("refuses to add a passkey from a session that signed in more than 5 minutes ago (a stolen token must not become a way in past MFA)", async () => {
    const user = await signUp(e, "pk-reg-stale-session");
    e.clock.advance(5 * 60 + 1);
    const ceremonies = await countRows(e, "authsome_ceremonies WHERE kind = 'passkey:register'");
    const res = await e.call("POST", "/passkeys/register/options", { token: user.token, body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.code).toBe("reauthentication_required");
    expect(await countRows(e, "authsome_ceremonies WHERE kind = 'passkey:register'")).toBe(ceremonies);
    // A refresh keeps the session's sign-in time: it does not make the session fresh.
    const signedIn = await e.call("POST", "/signin", { body: { email: user.email, password } });
    e.clock.advance(5 * 60 + 1);
    const refreshed = await e.call("POST", "/refresh", { body: { refresh_token: signedIn.body.refresh_token } });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect((await e.call("POST", "/passkeys/register/options", { token: refreshed.body.session_token, body: {} })).status).toBe(403);
    // A new sign-in may.
    const now = await e.call("POST", "/signin", { body: { email: user.email, password } });
    expect((await submit(now.body.session_token, new SoftAuthenticator().register(await options(now.body.session_token), pageOrigin))).status).toBe(201);
  });

  it("refuses a ceremony run in a frame of another site (crossOrigin)", async () => {
    const user = await signUp(e, "pk-reg-framed");
    const response = new SoftAuthenticator().register(await options(user.token), pageOrigin);
    const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, "base64url").toString("utf8"));
    const framed = { ...response, response: { ...response.response, clientDataJSON: Buffer.from(JSON.stringify({ ...clientData, crossOrigin: true })).toString("base64url") } };
    expectRefused(await submit(user.token, framed));
    expect(await passkeysOf(user.userId)).toBe(0);
  });

  it("refuses a response to another user's options", async () => {
    const alice = await signUp(e, "pk-reg-alice");
    const mallory = await signUp(e, "pk-reg-mallory");
    const response = new SoftAuthenticator().register(await options(alice.token), pageOrigin);
    expectRefused(await submit(mallory.token, response));
    expect(await passkeysOf(mallory.userId)).toBe(0);
    expect(await passkeysOf(alice.userId)).toBe(0);
    expect(await registeredEvents(mallory.userId)).toBe(0);
  });

  it("refuses a replayed registration: the same response registers once", async () => {
    const user = await signUp(e, "pk-reg-replay");
    const response = new SoftAuthenticator().register(await options(user.token), pageOrigin);
    expect((await submit(user.token, response)).status).toBe(201);
    expectRefused(await submit(user.token, response));
    expect(await passkeysOf(user.userId)).toBe(1);
    expect(await registeredEvents(user.userId)).toBe(1);
  });

  it.each(["https://evil.example", "http://127.0.0.1:3000"])("refuses the origin %s", async (origin) => {
    const user = await signUp(e, "pk-reg-origin");
    expectRefused(await submit(user.token, new SoftAuthenticator().register(await options(user.token), origin)));
    expect(await passkeysOf(user.userId)).toBe(0);
  });

  it("refuses another RP ID and a wrong clientData type", async () => {
    const user = await signUp(e, "pk-reg-rpid");
    expectRefused(await submit(user.token, new SoftAuthenticator().register(await options(user.token), pageOrigin, { rpId: "evil.example" })));
    expectRefused(await submit(user.token, new SoftAuthenticator().register(await options(user.token), pageOrigin, { type: "webauthn.get" })));
    expect(await passkeysOf(user.userId)).toBe(0);
  });

  it("refuses expired options, and takes options just inside the timeout", async () => {
    const user = await signUp(e, "pk-reg-expired");
    const stale = await options(user.token);
    e.clock.advance(5 * 60 + 1);
    expectRefused(await submit(user.token, new SoftAuthenticator().register(stale, pageOrigin)));
    // A new sign-in: adding a passkey needs one of the last 5 minutes.
    const again = await e.call("POST", "/signin", { body: { email: user.email, password } });
    const fresh = await options(again.body.session_token);
    e.clock.advance(5 * 60 - 5);
    expect((await submit(again.body.session_token, new SoftAuthenticator().register(fresh, pageOrigin))).status).toBe(201);
    expect(await passkeysOf(user.userId)).toBe(1);
  });

  it("refuses a challenge that names no ceremony", async () => {
    const user = await signUp(e, "pk-reg-madeup");
    const opts = await options(user.token);
    expectRefused(await submit(user.token, new SoftAuthenticator().register(opts, pageOrigin, { challenge: Buffer.from("pkr_made_up").toString("base64url") })));
    expect(await passkeysOf(user.userId)).toBe(0);
  });

  it("refuses another spelling of the challenge's bytes (non-canonical base64url), and the ceremony is spent", async () => {
    const user = await signUp(e, "reg-spelling");
    const opts = await options(user.token);
    const padded = `${opts.challenge}${"=".repeat((4 - (opts.challenge.length % 4)) % 4 || 4)}`;
    expect(Buffer.from(padded, "base64url").equals(Buffer.from(opts.challenge, "base64url"))).toBe(true);
    expectRefused(await submit(user.token, new SoftAuthenticator().register(opts, pageOrigin, { challenge: padded })));
    expectRefused(await submit(user.token, new SoftAuthenticator().register(opts, pageOrigin)));
  });

  it("answers 409 passkey_exists for a credential id registered twice, by the same user or another", async () => {
    const user = await signUp(e, "pk-reg-twice");
    const authenticator = new SoftAuthenticator();
    await registerPasskey(e, user.token, authenticator);
    const credentialId = authenticator.credentials[0]!.id;
    const again = await submit(user.token, new SoftAuthenticator().register(await options(user.token), pageOrigin, { credentialId }));
    expect(again.status, JSON.stringify(again.body)).toBe(409);
    expect(again.body.code).toBe("passkey_exists");
    const someone = await signUp(e, "pk-reg-twice-other");
    const theirs = await submit(someone.token, new SoftAuthenticator().register(await options(someone.token), pageOrigin, { credentialId }));
    expect(theirs.status).toBe(409);
    expect(theirs.body.code).toBe("passkey_exists");
    expect(await countRows(e, "authsome_passkeys WHERE credential_id = $1", [credentialId])).toBe(1);
    expect(await registeredEvents(user.userId)).toBe(1);
    expect(await registeredEvents(someone.userId)).toBe(0);
  });

  it("lists the user's credentials in excludeCredentials", async () => {
    const user = await signUp(e, "pk-reg-exclude");
    const authenticator = new SoftAuthenticator();
    await registerPasskey(e, user.token, authenticator);
    const opts = await options(user.token);
    expect(opts.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.credentials[0]!.id]);
  });

  it("answers 401 on the register routes without a session", async () => {
    const user = await signUp(e, "pk-reg-nosession");
    const opts = await options(user.token);
    const response = new SoftAuthenticator().register(opts, pageOrigin);
    const noOptions = await e.call("POST", "/passkeys/register/options", { body: {} });
    expect(noOptions.status).toBe(401);
    const noVerify = await e.call("POST", "/passkeys/register/verify", { body: { response } });
    expect(noVerify.status).toBe(401);
    const badToken = await e.call("POST", "/passkeys/register/verify", { token: "as_not_a_session", body: { response } });
    expect(badToken.status).toBe(401);
    expect(await passkeysOf(user.userId)).toBe(0);
    // The ceremony survived the refused calls.
    expect((await submit(user.token, response)).status).toBe(201);
  });
});

describe("with mfa(): the second-factor gate", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine({ plugins: [mfa()] });
  });
  afterAll(async () => {
    await e.drop();
  });

  async function enrolledWithPasskey(tag: string) {
    const u = await userWithPasskey(e, tag);
    const { app } = await enrolWithSession(e, u.token);
    return { ...u, app };
  }

  it("passes a passkey sign-in with user verification straight to a session (method passkey)", async () => {
    const u = await enrolledWithPasskey("pk-mfa-uv");
    const res = await signInWithPasskey(e, u.authenticator);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.id).toBe(u.userId);
    expect(await sessionMethod(e, res.body.session.id)).toBe("passkey");
  });

  it("stops a sign-in without user verification at the gate (403 mfa_required with a ticket), which TOTP then answers", async () => {
    const u = await enrolledWithPasskey("pk-mfa-nouv");
    const sessionsBefore = await countRows(e, "authsome_sessions WHERE user_id = $1", [u.userId]);
    const res = await signInWithPasskey(e, u.authenticator, { flags: { userVerified: false } });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.code).toBe("mfa_required");
    expect(res.body.session_token).toBeUndefined();
    const ticket = res.body.details.mfa_ticket as string;
    expect(ticket).toEqual(expect.any(String));
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [u.userId])).toBe(sessionsBefore);
    const answered = await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: ticket, code: codeAt(e, u.app) } });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(await sessionMethod(e, answered.body.session.id)).toBe("passkey+totp");
  });

  it("lets a user without MFA sign in with a passkey without user verification", async () => {
    const u = await userWithPasskey(e, "pk-mfa-none");
    const res = await signInWithPasskey(e, u.authenticator, { flags: { userVerified: false } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await sessionMethod(e, res.body.session.id)).toBe("passkey");
  });
});

describe("per-IP limit on login verify", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine({ engine: { config: { rateLimits: { passkeyLogin: 2 } } } });
  });
  afterAll(async () => {
    await e.drop();
  });

  it("answers the third verify from one IP with 429, consuming nothing; the window's end lets it through", async () => {
    const u = await userWithPasskey(e, "pk-limit");
    const statuses: number[] = [];
    // Two refused attempts count as much as successful ones.
    for (let i = 0; i < 2; i++) statuses.push((await verify(e, `pkl_made_up_${i}`, u.authenticator.authenticate((await loginOptions(e)).options, pageOrigin))).status);
    const { ceremony_id, options } = await loginOptions(e);
    const response = u.authenticator.authenticate(options, pageOrigin);
    const limited = await verify(e, ceremony_id, response);
    statuses.push(limited.status);
    expect(statuses).toEqual([401, 401, 429]);
    expect(limited.body.code).toBe("rate_limited");
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await loginState(e, u.userId, u.passkeyId)).toMatchObject({ sessions: 1, used: 0, counter: 0 });
    // Over the limit the ceremony was not consumed: after the window it still signs in.
    e.clock.advance(61);
    const later = await verify(e, ceremony_id, response);
    expect(later.status, JSON.stringify(later.body)).toBe(200);
  });
});
