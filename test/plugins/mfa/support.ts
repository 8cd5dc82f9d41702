// Shared steps of the MFA tests: an engine with `mfa()`, a user who enrolled through the HTTP routes with otpauth as
// the authenticator app, and the codes that app shows at the engine's clock.
import * as OTPAuth from "otpauth";
import { expect } from "vitest";
import type { AuthsomePlugin } from "../../../src/plugin/index.js";
import { magicLink } from "../../../src/plugins/magic-link/index.js";
import { mfa, type MfaApi, type MfaOptions } from "../../../src/plugins/mfa/index.js";
import { github, social } from "../../../src/plugins/social/index.js";
import { createTestEngine, type EngineOptions, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { type GitHubStandIn, startGitHubStandIn } from "../../support/github-standin.js";
import { callbackUrl } from "../social/harness.js";

export const password = "correct horse battery staple";

export type MfaEngine = TestEngine & { api: TestEngine["auth"]["api"] & MfaApi };

/** An engine with `password()`, `mfa(options)` and `plugins` (after it). */
export async function createMfaEngine(options: { mfa?: MfaOptions; plugins?: AuthsomePlugin[]; engine?: EngineOptions } = {}): Promise<MfaEngine> {
  const e = await createTestEngine({ ...options.engine, plugins: [mfa(options.mfa), ...(options.plugins ?? []), ...(options.engine?.plugins ?? [])] });
  return Object.assign(e, { api: e.auth.api as MfaEngine["api"] });
}

/** The authenticator app: the key URI scanned from the enrolment. */
export function authenticatorFrom(otpauthUrl: string): OTPAuth.TOTP {
  const parsed = OTPAuth.URI.parse(otpauthUrl);
  if (!(parsed instanceof OTPAuth.TOTP)) throw new Error("not a TOTP key URI");
  return parsed;
}

/** The code the app shows at the engine's clock, `steps` periods from now. */
export function codeAt(e: TestEngine, app: OTPAuth.TOTP, steps = 0): string {
  return app.generate({ timestamp: e.clock.now().getTime() + steps * 30_000 });
}

export interface Enrolled {
  email: string;
  userId: string;
  token: string;
  app: OTPAuth.TOTP;
  recoveryCodes: string[];
}

/**
 * Enrols TOTP for the holder of a session token through the routes (enroll, then verify with the app's first code);
 * the clock then moves past the step the verify used, so the next code the app shows is accepted.
 */
export async function enrolWithSession(e: TestEngine, token: string): Promise<Pick<Enrolled, "app" | "recoveryCodes">> {
  const enroll = await e.call("POST", "/mfa/totp/enroll", { token, body: {} });
  expect(enroll.status, JSON.stringify(enroll.body)).toBe(200);
  const app = authenticatorFrom(enroll.body.otpauth_url);
  const verify = await e.call("POST", "/mfa/totp/verify", { token, body: { code: codeAt(e, app) } });
  expect(verify.status, JSON.stringify(verify.body)).toBe(200);
  e.clock.advance(30);
  return { app, recoveryCodes: verify.body.recovery_codes };
}

/** Signs up a user and enrols TOTP through the routes; the clock then moves past the step the verify used. */
export async function signUpEnrolled(e: TestEngine, tag = "mfa"): Promise<Enrolled> {
  const email = uniqueEmail(tag);
  const signup = await e.call("POST", "/signup", { body: { email, password } });
  expect(signup.status, JSON.stringify(signup.body)).toBe(201);
  const token = signup.body.session_token as string;
  return { email, userId: signup.body.user.id, token, ...(await enrolWithSession(e, token)) };
}

/** A password sign-in that must stop at the gate; returns the ticket. */
export async function ticketFor(e: TestEngine, email: string, code = "mfa_required"): Promise<string> {
  const res = await e.call("POST", "/signin", { body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body.code).toBe(code);
  return res.body.details.mfa_ticket as string;
}

/** The `method` recorded on a session row (`password+totp`, `social:github+recovery_code`, …). */
export async function sessionMethod(e: TestEngine, sessionId: string): Promise<string | undefined> {
  const [row] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [sessionId]);
  return row?.method;
}

/**
 * A passkey-like sign-in method for the tests: `POST /test-passkey { email }` signs that user in as a method that
 * proved two factors on its own (`multiFactor: true`), which the MFA gate lets through.
 */
export const passkeyLike: AuthsomePlugin = {
  id: "test-passkey",
  setup(ctx) {
    ctx.router.post("/test-passkey", async (c) => {
      const { email } = (await c.req.json()) as { email: string };
      const user = await ctx.store.users.findByEmail(ctx.scope(), email);
      if (!user) return c.json({ code: "not_found" }, 404);
      const result = await ctx.signIns.complete(user, c.get("meta"), { method: "test_passkey", multiFactor: true });
      return ctx.http.sendSignIn(c, result);
    });
    return {};
  },
};

/**
 * An engine with `mfa(options)` and every way in beside the password — GitHub (the stand-in), magic links and the
 * passkey-like test method — and the stand-in; `close` stops both.
 */
export async function startEveryWayIn(options?: MfaOptions): Promise<{ e: MfaEngine; gh: GitHubStandIn; close(): Promise<void> }> {
  const gh = await startGitHubStandIn({ callbackUrl: callbackUrl("github") });
  const provider = github({ clientId: gh.clientId, clientSecret: gh.clientSecret, redirectURI: callbackUrl("github"), baseUrl: gh.baseUrl, apiBaseUrl: gh.apiBaseUrl });
  const e = await createMfaEngine({ ...(options ? { mfa: options } : {}), plugins: [social({ providers: [provider], timeoutMs: 500 }), magicLink(), passkeyLike] });
  return {
    e,
    gh,
    async close() {
      await e.drop();
      await gh.close();
    },
  };
}
