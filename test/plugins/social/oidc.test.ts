// Generic OpenID Connect sign-in end to end against a real provider (oauth2-mock-server, see test/support/oidc-peer.ts):
// discovery and the code flow with state, PKCE S256 and nonce; the ID token validated at the callback (nonce,
// audience, issuer, expiry); accounts created, found by `sub` and linked only on two verified addresses; the
// provider's refusals and outages (discovery retried after a failure); the state bound to its provider and its app;
// the providers' configuration checks; the in-process API; and provider tokens kept out of the database.
import { createServer } from "node:net";
import { OAuth2Server } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../../../src/engine/logger.js";
import type { RequestMeta } from "../../../src/engine/request-meta.js";
import { github, google, microsoft, oidc, social, type SocialApi } from "../../../src/plugins/social/index.js";
import { countRows, createTestEngine, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { thrown } from "../../support/errors.js";
import { type GitHubStandIn, startGitHubStandIn } from "../../support/github-standin.js";
import { type OidcClaims, type OidcPeer, startOidcPeer } from "../../support/oidc-peer.js";
import { rejectionOf, scopeOf } from "../../support/store.js";
import { callbackUrl, followCallback, signInVia, startFlow } from "./harness.js";

const pw = "a fine password";
const meta: RequestMeta = { ipAddress: "127.0.0.1", userAgent: "test" };

let peer: OidcPeer;
let gh: GitHubStandIn;
let e: TestEngine;
/** A second app of the same deployment (its calls send `x-publishable-key`). */
let otherKey: string;
/** A loopback port nothing listens on (the `down` provider's issuer). */
let downPort: number;
/** A port nothing listens on yet: the `late` provider's issuer comes up there during a test. */
let latePort: number;
/** What the plugin logged at warn and error level (the oauth4webapi reason of a refused ID token, among others). */
const logged: Array<{ level: "warn" | "error"; message: string; fields: Record<string, unknown> }> = [];
const logger: Logger = {
  error: (message, fields) => void logged.push({ level: "error", message, fields }),
  warn: (message, fields) => void logged.push({ level: "warn", message, fields }),
  info() {},
};

/** A port on `host` that was free a moment ago (bound, then released). */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(0, host, resolve).on("error", reject));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const oidcOptions = (id: string, issuer: string) => ({ id, issuer, clientId: peer.clientId, clientSecret: peer.clientSecret, redirectURI: callbackUrl(id) });

let nextSub = 0;
/** A new account at the peer, signing in from now on. */
function oidcUser(claims: Omit<OidcClaims, "sub"> & { sub?: string } = {}): OidcClaims {
  const account = { sub: claims.sub ?? `sub-${++nextSub}-${Date.now()}`, ...claims };
  peer.signInAs(account);
  return account;
}

const signIn = () => signInVia(e, peer, "acme");
/** The engine's API with the social plugin's part (the test engine is typed with the password plugin's only). */
const api = () => e.auth.api as typeof e.auth.api & SocialApi;

async function signUpWithPassword(email: string, verify: boolean): Promise<{ id: string; token: string }> {
  const res = await e.call("POST", "/signup", { body: { email, password: pw } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  if (verify) await e.store.users.update(scopeOf({ appId: res.body.user.app_id, envId: res.body.user.env_id }), res.body.user.id, { emailVerified: true }, e.clock.now());
  e.mailer.clear();
  return { id: res.body.user.id as string, token: res.body.session_token as string };
}

/** Rows a refused callback must not have added. */
async function counts() {
  return {
    users: await countRows(e, "authsome_users"),
    sessions: await countRows(e, "authsome_sessions"),
    accounts: await countRows(e, "authsome_oauth_accounts"),
  };
}

beforeAll(async () => {
  peer = await startOidcPeer();
  gh = await startGitHubStandIn({ callbackUrl: callbackUrl("github") });
  downPort = await freePort("127.0.0.1");
  latePort = await freePort("localhost");
  const providers = [
    oidc(oidcOptions("acme", peer.issuer)),
    github({ clientId: gh.clientId, clientSecret: gh.clientSecret, redirectURI: callbackUrl("github"), baseUrl: gh.baseUrl, apiBaseUrl: gh.apiBaseUrl }),
    oidc(oidcOptions("down", `http://127.0.0.1:${downPort}`)),
    oidc(oidcOptions("late", `http://localhost:${latePort}`)),
  ];
  e = await createTestEngine({ plugins: [social({ providers, timeoutMs: 2_000 })], logger });
  const other = await e.auth.api.createApp({ name: "Other", slug: "other" });
  otherKey = other.publishableKey as string;
});
afterAll(async () => {
  await e?.drop();
  await peer?.close();
  await gh?.close();
});

describe("discovery and the code flow", () => {
  it("sends the discovered authorization endpoint a code request with nonce, PKCE S256, the openid scopes and an os_ state", async () => {
    const flow = await startFlow(e, "acme");
    expect(flow.authUrl.origin + flow.authUrl.pathname).toBe(`${peer.issuer}/authorize`);
    const params = Object.fromEntries(flow.authUrl.searchParams);
    expect(params).toMatchObject({
      client_id: peer.clientId,
      redirect_uri: callbackUrl("acme"),
      response_type: "code",
      code_challenge_method: "S256",
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      state: expect.stringMatching(/^os_[A-Za-z0-9_-]{43}$/),
    });
    expect(params.scope?.split(" ")).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(flow.cookie).toMatch(/^authsome_oauth=ob_/);
    // Two flows never share a nonce, a state or a challenge.
    const again = await startFlow(e, "acme");
    for (const name of ["nonce", "state", "code_challenge"]) expect(again.authUrl.searchParams.get(name)).not.toBe(flow.authUrl.searchParams.get(name));
  });

  it("creates the user on the first sign-in (verified address, given and family names) and finds it by sub on the second, whatever the address says then", async () => {
    const email = uniqueEmail("oidc-new");
    const account = oidcUser({ email, email_verified: true, given_name: "Grace", family_name: "Hopper", name: "Rear Admiral Grace Hopper", picture: "https://pictures.example.com/grace.png" });
    const first = await signIn();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      provider: "acme",
      is_new_user: true,
      redirect_to: null,
      user: { email, email_verified: true, first_name: "Grace", last_name: "Hopper", image: "https://pictures.example.com/grace.png" },
    });
    expect((await e.call("GET", "/session", { token: first.body.session_token })).status).toBe(200);
    const [session] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [first.body.session.id]);
    expect(session?.method).toBe("social:acme");
    const links = await e.t.query<{ provider: string; provider_account_id: string; email: string }>(
      "SELECT provider, provider_account_id, email FROM authsome_oauth_accounts WHERE user_id = $1",
      [first.body.user.id],
    );
    expect(links).toEqual([{ provider: "acme", provider_account_id: account.sub, email }]);

    // The same `sub` with another (verified) address: the link decides, no new user, no second link.
    const changed = uniqueEmail("oidc-changed");
    oidcUser({ sub: account.sub, email: changed, email_verified: true, given_name: "Grace", family_name: "Hopper" });
    const users = await countRows(e, "authsome_users");
    const second = await signIn();
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body).toMatchObject({ is_new_user: false, provider: "acme", user: { id: first.body.user.id, email } });
    expect(await countRows(e, "authsome_users")).toBe(users);
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = $1", [first.body.user.id])).toBe(1);
  });

  it("takes email_verified from the claims (false, or absent, is unverified) and splits `name` when given and family names are missing", async () => {
    const unverified = uniqueEmail("oidc-unverified");
    oidcUser({ email: unverified, email_verified: false, name: "Alan Mathison Turing" });
    const res = await signIn();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ is_new_user: true, user: { email: unverified, email_verified: false, first_name: "Alan", last_name: "Mathison Turing" } });

    const silent = uniqueEmail("oidc-silent");
    oidcUser({ email: silent, name: "Hedy" });
    const absent = await signIn();
    expect(absent.status, JSON.stringify(absent.body)).toBe(200);
    expect(absent.body.user).toMatchObject({ email: silent, email_verified: false, first_name: "Hedy", last_name: "" });
  });

  it("refuses an account without an email address with 400 email_required, creating nothing", async () => {
    oidcUser({ name: "No Mail" });
    const before = await counts();
    const res = await signIn();
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("email_required");
    expect(await counts()).toEqual(before);
  });
});

describe("the ID token, validated at the callback", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const tampers: Array<[string, () => Record<string, unknown>]> = [
    ["a nonce other than the flow's", () => ({ nonce: "wrong" })],
    ["another audience", () => ({ aud: "someone-else" })],
    ["another issuer", () => ({ iss: "http://localhost:1/evil" })],
    ["an expiry an hour ago", () => ({ iat: now() - 7200, exp: now() - 3600 })],
  ];

  it.each(tampers)("with %s is 400 invalid_id_token, and nothing is created", async (_what, patch) => {
    const email = uniqueEmail("oidc-tampered");
    oidcUser({ email, email_verified: true, given_name: "Eve" });
    const before = await counts();
    logged.length = 0;
    peer.tamperNext(patch());
    const res = await signIn();
    const reasons = logged.map((l) => `${l.level}: ${l.message} ${String(l.fields.reason ?? l.fields.error ?? "")}`);
    expect({ status: res.status, code: res.body.code }, `logged: ${JSON.stringify(reasons)}`).toEqual({ status: 400, code: "invalid_id_token" });
    expect(logged.find((l) => l.message === "oauth id token rejected")?.fields.reason).toMatch(/^OAUTH_JWT_/);
    expect(await counts()).toEqual(before);
    expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(0);
  });

  it("accepts the next, untampered ID token", async () => {
    const email = uniqueEmail("oidc-clean");
    oidcUser({ email, email_verified: true });
    const res = await signIn();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.email).toBe(email);
  });
});

describe("linking by email", () => {
  it("links a verified local account when the provider verified the same address, and signs in as that user", async () => {
    const email = uniqueEmail("oidc-link");
    const local = await signUpWithPassword(email, true);
    const account = oidcUser({ email, email_verified: true, given_name: "Linked" });
    const res = await signIn();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ provider: "acme", is_new_user: false, user: { id: local.id, email } });
    const [session] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [res.body.session.id]);
    expect(session?.method).toBe("social:acme");
    const links = await e.t.query<{ provider: string; provider_account_id: string }>("SELECT provider, provider_account_id FROM authsome_oauth_accounts WHERE user_id = $1", [local.id]);
    expect(links).toEqual([{ provider: "acme", provider_account_id: account.sub }]);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'social.account_linked' AND user_id = $1", [local.id])).toBe(1);
  });

  it("refuses with 409 account_exists when the provider did not verify the address (or the local account did not), linking nothing", async () => {
    const email = uniqueEmail("oidc-unverified-remote");
    const local = await signUpWithPassword(email, true);
    oidcUser({ email, email_verified: false });
    const before = await counts();
    const res = await signIn();
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "account_exists", details: { provider: "acme" } });

    const unverifiedLocal = uniqueEmail("oidc-unverified-local");
    const local2 = await signUpWithPassword(unverifiedLocal, false);
    oidcUser({ email: unverifiedLocal, email_verified: true });
    const before2 = await counts();
    const res2 = await signIn();
    expect(res2.status).toBe(409);
    expect(res2.body.code).toBe("account_exists");

    expect(before2.accounts).toBe(before.accounts);
    expect(await counts()).toEqual(before2);
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = ANY($1)", [[local.id, local2.id]])).toBe(0);
  });
});

describe("the provider's refusals and outages", () => {
  it("a refusal at the provider (?error=access_denied) is 400 oauth_denied", async () => {
    oidcUser({ email: uniqueEmail("oidc-denied"), email_verified: true });
    const before = await counts();
    peer.denyNext();
    const res = await signIn();
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("oauth_denied");
    expect(await counts()).toEqual(before);
  });

  it("a 500 from the token endpoint is 502 provider_unavailable", async () => {
    oidcUser({ email: uniqueEmail("oidc-500"), email_verified: true });
    const before = await counts();
    peer.failNext(500);
    const res = await signIn();
    expect(res.status).toBe(502);
    expect(res.body.code).toBe("provider_unavailable");
    expect(await counts()).toEqual(before);
  });

  it("an issuer that is down answers the start with 502 provider_unavailable (both start routes)", async () => {
    const post = await e.call("POST", "/social/down", { body: {} });
    expect(post.status).toBe(502);
    expect(post.body.code).toBe("provider_unavailable");
    const get = await e.call("GET", "/social/down");
    expect(get.status).toBe(502);
    expect(get.body.code).toBe("provider_unavailable");
  });

  it("retries discovery after a failure: once the issuer is up, the next start works", async () => {
    const refused = await e.call("POST", "/social/late", { body: {} });
    expect(refused.status).toBe(502);
    expect(refused.body.code).toBe("provider_unavailable");

    const late = new OAuth2Server();
    await late.issuer.keys.generate("RS256");
    await late.start(latePort, "localhost");
    try {
      expect(late.issuer.url).toBe(`http://localhost:${latePort}`);
      const flow = await startFlow(e, "late");
      expect(flow.authUrl.origin + flow.authUrl.pathname).toBe(`http://localhost:${latePort}/authorize`);
      expect(flow.authUrl.searchParams.get("nonce")).toBeTruthy();
    } finally {
      await late.stop();
    }
  });
});

describe("the state", () => {
  it("begun for one provider is 400 invalid_state at another's callback, and still completes at its own", async () => {
    oidcUser({ email: uniqueEmail("oidc-cross"), email_verified: true });
    const flow = await startFlow(e, "acme");
    const location = await peer.approve(flow.authUrl.href);
    const before = await counts();
    const crossed = await e.call("GET", `/social/github/callback${location.search}`, { cookie: flow.cookie, headers: { accept: "application/json" } });
    expect(crossed.status).toBe(400);
    expect(crossed.body.code).toBe("invalid_state");
    expect(await counts()).toEqual(before);
    expect(gh.requests.filter((r) => r.path === "/login/oauth/access_token")).toEqual([]);

    const own = await followCallback(e, "acme", location, flow.cookie);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
  });

  it("begun for one app is 400 invalid_state at another app's callback, and the app that began it still completes it", async () => {
    const email = uniqueEmail("oidc-tenant");
    oidcUser({ email, email_verified: true });
    const flow = await startFlow(e, "acme");
    const location = await peer.approve(flow.authUrl.href);
    const before = await counts();
    const elsewhere = await followCallback(e, "acme", location, flow.cookie, { headers: { "x-publishable-key": otherKey } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.code).toBe("invalid_state");
    expect(await counts()).toEqual(before);

    const home = await followCallback(e, "acme", location, flow.cookie);
    expect(home.status, JSON.stringify(home.body)).toBe(200);
    expect(home.body.user).toMatchObject({ email });
    const defaultApp = await e.store.apps.findBySlug(e.auth.config.appId);
    expect(home.body.user.app_id).toBe(defaultApp?.id);
  });

  it("started over HTTP (bound to the browser) cannot be completed through the API without the binding", async () => {
    oidcUser({ email: uniqueEmail("oidc-bound"), email_verified: true });
    const flow = await startFlow(e, "acme");
    const location = await peer.approve(flow.authUrl.href);
    expect(await rejectionOf(api().socialCallback("acme", location.searchParams, meta))).toMatchObject({ code: "invalid_state" });
  });
});

describe("configuration", () => {
  const creds = { clientId: "id", clientSecret: "secret", redirectURI: "https://api.example.com/v1/auth/social/x/callback" };

  it("oidc(): https issuers, plain http only on loopback", () => {
    expect(thrown(() => oidc({ ...creds, id: "idp", issuer: "http://idp.example.com" }))).toMatchObject({ code: "invalid_config" });
    expect(oidc({ ...creds, id: "idp", issuer: "https://idp.example.com" })).toMatchObject({ id: "idp", name: "idp" });
    expect(oidc({ ...creds, id: "dev", issuer: "http://localhost:8080", name: "Dev IdP" })).toMatchObject({ id: "dev", name: "Dev IdP" });
    expect(thrown(() => oidc({ ...creds, id: "Bad Id", issuer: "https://idp.example.com" }))).toMatchObject({ code: "invalid_config" });
    expect(thrown(() => oidc({ ...creds, id: "idp", issuer: "https://idp.example.com", clientSecret: "" }))).toMatchObject({ code: "invalid_config" });
  });

  it("microsoft(): a directory GUID or consumers, never the multi-tenant endpoints", () => {
    for (const tenant of ["common", "organizations", "contoso.onmicrosoft.com"]) {
      expect(thrown(() => microsoft({ ...creds, tenant })), tenant).toMatchObject({ code: "invalid_config" });
    }
    expect(microsoft({ ...creds, tenant: "consumers" })).toMatchObject({ id: "microsoft", name: "Microsoft" });
    expect(microsoft({ ...creds, tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47" })).toMatchObject({ id: "microsoft" });
  });

  it("google() is the google provider; github() refuses a plain-http Enterprise host", () => {
    expect(google(creds)).toMatchObject({ id: "google", name: "Google" });
    expect(thrown(() => github({ ...creds, baseUrl: "http://ghe.example.com" }))).toMatchObject({ code: "invalid_config" });
    expect(github({ ...creds, baseUrl: "https://ghe.example.com", apiBaseUrl: "https://ghe.example.com/api/v3" })).toMatchObject({ id: "github" });
  });

  it("social(): at least one provider, each id once", () => {
    expect(thrown(() => social({ providers: [] }))).toMatchObject({ code: "invalid_config" });
    const a = oidc({ ...creds, id: "same", issuer: "https://a.example.com" });
    const b = oidc({ ...creds, id: "same", issuer: "https://b.example.com" });
    expect(thrown(() => social({ providers: [a, b] }))).toMatchObject({ code: "invalid_config" });
    expect(thrown(() => social({ providers: [google(creds), google(creds)] }))).toMatchObject({ code: "invalid_config" });
    expect(social({ providers: [a, google(creds)] }).id).toBe("social");
  });
});

describe("the in-process API", () => {
  it("socialAuthorizationUrl + socialCallback sign in with the caller's own binding and carry redirectTo", async () => {
    const email = uniqueEmail("oidc-api");
    oidcUser({ email, email_verified: true, given_name: "Api" });
    const binding = "an-app-cookie-secret-0123456789";
    const { authUrl, state } = await api().socialAuthorizationUrl("acme", { redirectTo: "/x", binding });
    expect(state).toMatch(/^os_[A-Za-z0-9_-]{43}$/);
    expect(new URL(authUrl).searchParams.get("state")).toBe(state);
    const location = await peer.approve(authUrl);
    // The callback URL opened anywhere without the binding (login CSRF) is refused, and consumes the state.
    const flow2 = await api().socialAuthorizationUrl("acme", { binding });
    const location2 = await peer.approve(flow2.authUrl);
    expect(await rejectionOf(api().socialCallback("acme", Object.fromEntries(location2.searchParams), meta))).toMatchObject({ code: "invalid_state" });
    const outcome = await api().socialCallback("acme", Object.fromEntries(location.searchParams), meta, { binding });
    expect(outcome).toMatchObject({ kind: "signed_in", provider: "acme", isNewUser: true, redirectTo: "/x", result: { kind: "session", sessionToken: expect.stringMatching(/^as_/) } });
    if (outcome.kind !== "signed_in" || outcome.result.kind !== "session") throw new Error("expected a session");
    expect(outcome.result.user.email).toBe(email);
    const session = await e.call("GET", "/session", { token: outcome.result.sessionToken });
    expect(session.status).toBe(200);
    expect(session.body.user.email).toBe(email);
    const [row] = await e.t.query<{ method: string; ip_address: string; user_agent: string }>("SELECT method, ip_address, user_agent FROM authsome_sessions WHERE id = $1", [outcome.result.session.id]);
    expect(row).toMatchObject({ method: "social:acme", user_agent: "test" });

    // Single use here too.
    expect(await rejectionOf(api().socialCallback("acme", Object.fromEntries(location.searchParams), meta, { binding }))).toMatchObject({ code: "invalid_state" });
  });

  it("refuses a redirectTo off the trusted origins with invalid_redirect", async () => {
    const binding = "an-app-cookie-secret-0123456789";
    expect(await rejectionOf(api().socialAuthorizationUrl("acme", { redirectTo: "https://evil.example", binding }))).toMatchObject({ code: "invalid_redirect" });
    expect(await rejectionOf(api().socialAuthorizationUrl("nope", { binding }))).toMatchObject({ code: "not_found" });
    // No binding, no flow: a state any browser could complete would allow login CSRF.
    expect(await rejectionOf(api().socialAuthorizationUrl("acme", {} as never))).toMatchObject({ code: "invalid_request", details: { fields: { binding: expect.any(String) } } });
  });
});

describe("provider tokens", () => {
  it("are opened by getProviderToken and never stored in the clear in authsome_oauth_accounts or authsome_ceremonies", async () => {
    const email = uniqueEmail("oidc-tokens");
    oidcUser({ email, email_verified: true });
    const res = await signIn();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await startFlow(e, "acme"); // an open flow, so the ceremonies table has a row of this provider to scan
    const token = await api().getProviderToken(res.body.user.id, "acme");
    expect(token?.accessToken).toBeTruthy();
    const issued = peer.tokens();
    expect(issued).toContain(token?.accessToken);
    expect(issued.length).toBeGreaterThanOrEqual(3);

    const [accounts] = await e.t.query<{ dump: string | null }>("SELECT string_agg(a::text, '|') AS dump FROM authsome_oauth_accounts a");
    const [ceremonies] = await e.t.query<{ dump: string | null }>("SELECT string_agg(c::text, '|') AS dump FROM authsome_ceremonies c");
    expect(accounts?.dump).toContain(email);
    expect(ceremonies?.dump).toContain("social:acme");
    for (const value of issued) {
      expect(accounts?.dump).not.toContain(value);
      expect(ceremonies?.dump).not.toContain(value);
      // Nor the JWT's signature alone (or an opaque token's tail).
      const tail = value.split(".").at(-1) as string;
      expect(accounts?.dump).not.toContain(tail);
    }
  });
});
