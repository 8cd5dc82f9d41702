// Shared steps of the passkey tests: an engine with `passkey()` on the RP `localhost`, a signed-up user, and the
// software authenticator driving the routes as a browser would.
import { expect } from "vitest";
import type { AuthsomePlugin } from "../../../src/plugin/index.js";
import { passkey, type PasskeyApi, type PasskeyOptions } from "../../../src/plugins/passkey/index.js";
import { createTestEngine, type EngineOptions, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { SoftAuthenticator } from "../../support/webauthn-authenticator.js";

export const password = "correct horse battery staple";
/** The page's origin: any `http://localhost:<port>` is accepted for the RP `localhost`. */
export const pageOrigin = "http://localhost:3000";

export type PasskeyEngine = TestEngine & { api: TestEngine["auth"]["api"] & PasskeyApi };

/** An engine with `password()`, `passkey({ rpId: "localhost", ...options })` and `plugins` after it. */
export async function createPasskeyEngine(options: { passkey?: PasskeyOptions; plugins?: AuthsomePlugin[]; engine?: EngineOptions } = {}): Promise<PasskeyEngine> {
  const e = await createTestEngine({
    ...options.engine,
    plugins: [passkey({ rpId: "localhost", ...options.passkey }), ...(options.plugins ?? []), ...(options.engine?.plugins ?? [])],
  });
  return Object.assign(e, { api: e.auth.api as PasskeyEngine["api"] });
}

export interface SignedUp {
  email: string;
  userId: string;
  token: string;
}

export async function signUp(e: TestEngine, tag = "pk"): Promise<SignedUp> {
  const email = uniqueEmail(tag);
  const res = await e.call("POST", "/signup", { body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { email, userId: res.body.user.id, token: res.body.session_token };
}

/** Registers a passkey on `authenticator` for the session's user through both routes; returns the 201 body. */
export async function registerPasskey(e: TestEngine, token: string, authenticator: SoftAuthenticator, name?: string): Promise<Record<string, any>> {
  const options = await e.call("POST", "/passkeys/register/options", { token, body: {} });
  expect(options.status, JSON.stringify(options.body)).toBe(200);
  const response = authenticator.register(options.body.options, pageOrigin);
  const verify = await e.call("POST", "/passkeys/register/verify", { token, body: { response, ...(name ? { name } : {}) } });
  expect(verify.status, JSON.stringify(verify.body)).toBe(201);
  return verify.body;
}

/** Login options: the ceremony id and the request options. */
export async function loginOptions(e: TestEngine): Promise<{ ceremony_id: string; options: any }> {
  const res = await e.call("POST", "/passkeys/login/options");
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** A discoverable sign-in with `authenticator` (overrides tamper with the assertion). */
export async function signInWithPasskey(e: TestEngine, authenticator: SoftAuthenticator, overrides?: Parameters<SoftAuthenticator["authenticate"]>[2]) {
  const { ceremony_id, options } = await loginOptions(e);
  const response = authenticator.authenticate(options, overrides?.origin ?? pageOrigin, overrides);
  return e.call("POST", "/passkeys/login/verify", { body: { ceremony_id, response } });
}

export { SoftAuthenticator };

/**
 * A credential created on `authenticator` only (the server never saw it): for unknown credentials and for signing
 * with a key that does not match a registered one. Returns its id.
 */
export function localCredential(authenticator: SoftAuthenticator, userId = "ausr_local"): string {
  const response = authenticator.register(
    {
      rp: { id: "localhost", name: "local" },
      user: { id: userHandle(userId), name: "local", displayName: "local" },
      challenge: Buffer.from("never-sent").toString("base64url"),
      pubKeyCredParams: [{ alg: -7, type: "public-key" }],
    },
    pageOrigin,
  );
  return response.id;
}

/** The WebAuthn user handle the plugin gives a user (their id's bytes, base64url). */
export function userHandle(userId: string): string {
  return Buffer.from(userId, "utf8").toString("base64url");
}

/** Call options sent as the app with this publishable key. */
export function asApp(key: string, options: import("../../support/engine.js").CallOptions = {}): import("../../support/engine.js").CallOptions {
  return { ...options, headers: { ...options.headers, "x-publishable-key": key } };
}
