// The passkey plugin's main flows over HTTP with the software authenticator: register for a signed-in user, sign in
// with no email typed, manage the credentials.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRows } from "../../support/engine.js";
import { createPasskeyEngine, type PasskeyEngine, registerPasskey, signInWithPasskey, signUp, SoftAuthenticator } from "./support.js";

describe("passkeys: register, sign in, manage", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine();
  });
  afterAll(async () => {
    await e.drop();
  });

  it("registers a passkey for a signed-in user and signs in with it, no email typed", async () => {
    const user = await signUp(e);
    const authenticator = new SoftAuthenticator();
    const registered = await registerPasskey(e, user.token, authenticator, "Laptop");
    expect(registered).toMatchObject({ name: "Laptop", backed_up: false, transports: ["internal"], flagged: false });
    expect(registered.id).toMatch(/^apsk_/);

    const res = await signInWithPasskey(e, authenticator);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.id).toBe(user.userId);
    expect(res.body.session_token).toBeTruthy();
    const me = await e.call("GET", "/me", { token: res.body.session_token });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(user.email);
    const [row] = await e.t.query<{ counter: string; last_used_at: Date | null }>("SELECT counter, last_used_at FROM authsome_passkeys WHERE id = $1", [registered.id]);
    expect(Number(row?.counter)).toBe(1);
    expect(row?.last_used_at).not.toBeNull();
    expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.used'", [user.userId])).toBe(1);
  });

  it("login verify costs three statements", async () => {
    const user = await signUp(e, "pk-stmts");
    const authenticator = new SoftAuthenticator();
    await registerPasskey(e, user.token, authenticator);
    const options = await e.call("POST", "/passkeys/login/options");
    const response = authenticator.authenticate(options.body.options, "http://localhost:3000");
    e.t.counter.reset();
    const res = await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id: options.body.ceremony_id, response } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.statements).toBe(3);
  });
});
