// The social plugin's test peers, driven directly with oauth4webapi the way the plugin drives them.
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubStandIn, startGitHubStandIn } from "./github-standin.js";
import { type OidcPeer, startOidcPeer } from "./oidc-peer.js";

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const redirectUri = "http://app.test/v1/auth/social/github/callback";
const apiHeaders = {
  accept: "application/vnd.github+json",
  "x-github-api-version": "2022-11-28",
  "user-agent": "authsome-test",
};

describe("GitHub stand-in", () => {
  let gh: GitHubStandIn;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let auth: oauth.ClientAuth;

  beforeAll(async () => {
    gh = await startGitHubStandIn({ callbackUrl: redirectUri });
    as = {
      issuer: `${gh.baseUrl}/login/oauth`,
      authorization_endpoint: gh.authorizationEndpoint,
      token_endpoint: gh.tokenEndpoint,
    };
    client = { client_id: gh.clientId };
    auth = oauth.ClientSecretPost(gh.clientSecret);
    gh.addUser({
      id: 583231,
      login: "octocat",
      name: "The Octocat",
      email: null,
      emails: [
        { email: "octocat@github.com", primary: true, verified: true },
        { email: "old@example.com", primary: false, verified: false },
      ],
    });
    gh.addUser({ id: "9007199254740993", login: "bigid", email: "big@example.com" });
    gh.authorizeAs("octocat");
  });
  afterAll(async () => {
    await gh.close();
  });

  async function authorizeUrl(verifier: string, state: string, scope = "read:user user:email"): Promise<string> {
    const url = new URL(gh.authorizationEndpoint);
    url.searchParams.set("client_id", gh.clientId);
    url.searchParams.set("redirect_uri", redirectUri);
    url.searchParams.set("scope", scope);
    url.searchParams.set("state", state);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
    return url.href;
  }

  /** Authorize + redeem with oauth4webapi: the callback parameters and the token response. */
  async function signIn(scope?: string) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const location = await gh.approve(await authorizeUrl(verifier, state, scope));
    const params = oauth.validateAuthResponse(as, client, location, state);
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, insecure);
    return { location, params, verifier, result: await oauth.processAuthorizationCodeResponse(as, client, res) };
  }

  /** A raw token request (form body, JSON accepted), as oauth4webapi sends it. */
  function redeem(fields: Record<string, string>): Promise<Response> {
    return fetch(gh.tokenEndpoint, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: gh.clientId, client_secret: gh.clientSecret, ...fields }),
    });
  }

  it("runs the web flow with PKCE and serves the profile and emails", async () => {
    gh.clearRequests();
    const { location, result } = await signIn();
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(result.token_type).toBe("bearer");
    expect(result.scope).toBe("read:user,user:email");
    expect(result.access_token).toMatch(/^gho_[A-Za-z0-9]{36}$/);
    expect(gh.tokens()).toContain(result.access_token);

    const user = await fetch(`${gh.apiBaseUrl}/user`, { headers: { ...apiHeaders, authorization: `Bearer ${result.access_token}` } });
    expect(user.status).toBe(200);
    expect(user.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await user.json()).toMatchObject({ login: "octocat", id: 583231, name: "The Octocat", email: null, node_id: "MDQ6VXNlcjU4MzIzMQ==" });

    const emails = await fetch(`${gh.apiBaseUrl}/user/emails`, { headers: { ...apiHeaders, authorization: `token ${result.access_token}` } });
    expect(await emails.json()).toEqual([
      { email: "octocat@github.com", primary: true, verified: true, visibility: "private" },
      { email: "old@example.com", primary: false, verified: false, visibility: null },
    ]);

    const api = gh.requests.filter((r) => r.path.startsWith("/api/v3"));
    expect(api.map((r) => r.path)).toEqual(["/api/v3/user", "/api/v3/user/emails"]);
    expect(api[0]?.headers).toMatchObject({ "x-github-api-version": "2022-11-28", accept: "application/vnd.github+json", "user-agent": "authsome-test" });
    const token = gh.requests.find((r) => r.path === "/login/oauth/access_token");
    expect(new URLSearchParams(token?.body).get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("answers the form-encoded token response without Accept: application/json", async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const location = await gh.approve(await authorizeUrl(verifier, "s1"));
    const res = await fetch(gh.tokenEndpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${gh.clientId}:${gh.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ code: location.searchParams.get("code") ?? "", code_verifier: verifier, redirect_uri: redirectUri }),
    });
    expect(res.headers.get("content-type")).toContain("application/x-www-form-urlencoded");
    expect(await res.text()).toMatch(/^access_token=gho_[A-Za-z0-9]{36}&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer$/);
  });

  it("answers token errors with HTTP 200 and an error body", async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const location = await gh.approve(await authorizeUrl(verifier, "s2"));
    const code = location.searchParams.get("code") ?? "";
    const first = await redeem({ code, code_verifier: verifier, redirect_uri: redirectUri });
    expect(((await first.json()) as { access_token: string }).access_token).toMatch(/^gho_/);

    const replay = await redeem({ code, code_verifier: verifier, redirect_uri: redirectUri });
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe(
      '{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.",' +
        '"error_uri":"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"}',
    );

    const other = await gh.approve(await authorizeUrl(verifier, "s3"));
    const wrong = await redeem({ code: other.searchParams.get("code") ?? "", code_verifier: oauth.generateRandomCodeVerifier(), redirect_uri: redirectUri });
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toMatchObject({ error: "bad_verification_code" });

    const creds = await fetch(gh.tokenEndpoint, { method: "POST", body: new URLSearchParams({ client_id: gh.clientId, client_secret: "nope", code }) });
    expect(creds.status).toBe(200);
    expect(new URLSearchParams(await creds.text()).get("error")).toBe("incorrect_client_credentials");

    const third = await gh.approve(await authorizeUrl(verifier, "s4"));
    const mismatch = await redeem({ code: third.searchParams.get("code") ?? "", code_verifier: verifier, redirect_uri: "http://app.test/elsewhere" });
    expect(await mismatch.json()).toMatchObject({ error: "redirect_uri_mismatch" });
  });

  it("makes oauth4webapi throw on the 200 + error body", async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const location = await gh.approve(await authorizeUrl(verifier, "s5"));
    const params = oauth.validateAuthResponse(as, client, location, "s5");
    const bad = oauth.generateRandomCodeVerifier();
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, bad, insecure);
    expect(res.status).toBe(200);
    await expect(oauth.processAuthorizationCodeResponse(as, client, res)).rejects.toMatchObject({ code: "OAUTH_INVALID_RESPONSE" });
  });

  it("refuses bad authorize requests and denies on request", async () => {
    const url = new URL(await authorizeUrl(oauth.generateRandomCodeVerifier(), "s6"));
    const unknown = new URL(url);
    unknown.searchParams.set("client_id", "someoneelse");
    expect((await fetch(unknown, { redirect: "manual" })).status).toBe(404);
    const plain = new URL(url);
    plain.searchParams.set("code_challenge_method", "plain");
    expect((await fetch(plain, { redirect: "manual" })).status).toBe(400);
    const elsewhere = new URL(url);
    elsewhere.searchParams.set("redirect_uri", "http://evil.test/cb");
    expect((await fetch(elsewhere, { redirect: "manual" })).status).toBe(400);

    gh.denyNext();
    const denied = await gh.approve(url.href);
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe("s6");
    expect(denied.searchParams.has("code")).toBe(false);
    expect(() => oauth.validateAuthResponse(as, client, denied, "s6")).toThrow(oauth.AuthorizationResponseError);
    expect((await gh.approve(url.href)).searchParams.has("code")).toBe(true);
  });

  it("emits ids beyond 2^53 exactly and hides emails without the user:email scope", async () => {
    gh.authorizeAs("bigid");
    try {
      const { result } = await signIn("read:user");
      expect(result.scope).toBe("read:user");
      const user = await fetch(`${gh.apiBaseUrl}/user`, { headers: { ...apiHeaders, authorization: `Bearer ${result.access_token}` } });
      const text = await user.text();
      expect(text).toContain('"id":9007199254740993,');
      expect(text).toContain('"email":"big@example.com"');
      const emails = await fetch(`${gh.apiBaseUrl}/user/emails`, { headers: { ...apiHeaders, authorization: `Bearer ${result.access_token}` } });
      expect(emails.status).toBe(404);
      expect(await emails.json()).toMatchObject({ message: "Not Found" });
    } finally {
      gh.authorizeAs("octocat");
    }
  });

  it("rejects API requests without a User-Agent or with a bad token", async () => {
    const { result } = await signIn();
    // fetch always adds `user-agent: node`, so the bare header check needs node:http.
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${gh.apiBaseUrl}/user`, { headers: { authorization: `Bearer ${result.access_token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
    const bad = await fetch(`${gh.apiBaseUrl}/user`, { headers: { ...apiHeaders, authorization: "Bearer gho_nope" } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: "Bad credentials", status: "401" });
  });

  it("issues expiring tokens with a refresh token on request", async () => {
    gh.expiringTokens(true);
    try {
      const { result } = await signIn();
      expect(result.expires_in).toBe(28800);
      expect(result.refresh_token).toMatch(/^ghr_/);
      expect(result.refresh_token_expires_in).toBe(15897600);
      expect(gh.tokens()).toContain(result.refresh_token);
    } finally {
      gh.expiringTokens(false);
    }
  });

  it("injects faults: a status, a reset and a hang", async () => {
    gh.fail("user", { status: 500, body: '{"message":"boom"}' });
    const failed = await fetch(`${gh.apiBaseUrl}/user`, { headers: apiHeaders });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: "boom" });

    gh.fail("token", { reset: true });
    await expect(redeem({ code: "x" })).rejects.toThrow(TypeError);

    gh.fail("emails", { hang: true });
    await expect(fetch(`${gh.apiBaseUrl}/user/emails`, { headers: apiHeaders, signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      name: "TimeoutError",
    });
    // Faults are consumed: the endpoints answer normally again.
    expect((await fetch(`${gh.apiBaseUrl}/user`, { headers: apiHeaders })).status).toBe(401);
  });

  it("expires codes after 10 minutes on its clock and checks the API version", async () => {
    let at = Date.now();
    const timed = await startGitHubStandIn({ now: () => new Date(at) });
    try {
      timed.addUser({ id: 1, login: "clocked" });
      timed.authorizeAs("clocked");
      const verifier = oauth.generateRandomCodeVerifier();
      const url = new URL(timed.authorizationEndpoint);
      url.search = new URLSearchParams({
        client_id: timed.clientId,
        redirect_uri: redirectUri,
        state: "t",
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
      }).toString();
      const code = (await timed.approve(url.href)).searchParams.get("code") ?? "";
      at += 10 * 60 * 1000;
      const res = await fetch(timed.tokenEndpoint, {
        method: "POST",
        headers: { accept: "application/json" },
        body: new URLSearchParams({ client_id: timed.clientId, client_secret: timed.clientSecret, code, code_verifier: verifier }),
      });
      expect(await res.json()).toMatchObject({ error: "bad_verification_code" });
      const version = await fetch(`${timed.apiBaseUrl}/user`, { headers: { ...apiHeaders, "x-github-api-version": "2020-01-01" } });
      expect(version.status).toBe(400);
    } finally {
      await timed.close();
    }
  });

  it("closes with a request still held", async () => {
    const other = await startGitHubStandIn();
    other.fail("user", { hang: true });
    const pending = fetch(`${other.apiBaseUrl}/user`, { headers: apiHeaders }).catch((err: unknown) => err);
    while (other.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await other.close();
    expect(await pending).toBeInstanceOf(TypeError);
  });
});

describe("OIDC peer", () => {
  let peer: OidcPeer;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let auth: oauth.ClientAuth;
  const callback = "http://app.test/v1/auth/social/oidc/callback";

  beforeAll(async () => {
    peer = await startOidcPeer();
    const issuer = new URL(peer.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...insecure }));
    client = { client_id: peer.clientId };
    auth = oauth.ClientSecretPost(peer.clientSecret);
  });
  afterAll(async () => {
    await peer.close();
  });

  async function start() {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint ?? "");
    url.searchParams.set("client_id", peer.clientId);
    url.searchParams.set("redirect_uri", callback);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", "openid email profile");
    url.searchParams.set("state", state);
    url.searchParams.set("nonce", nonce);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
    return { url: url.href, verifier, state, nonce };
  }

  async function exchange(flow: Awaited<ReturnType<typeof start>>, clientAuth = auth) {
    const location = await peer.approve(flow.url);
    const params = oauth.validateAuthResponse(as, client, location, flow.state);
    return oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, callback, flow.verifier, insecure);
  }

  it("discovers the issuer", () => {
    expect(as.issuer).toBe(peer.issuer);
    expect(peer.issuer).not.toMatch(/\/$/);
    expect(as.code_challenge_methods_supported).toContain("S256");
  });

  it("signs in with the claims set by signInAs, then answers userinfo with them", async () => {
    const claims = {
      sub: "user-42",
      email: "ada@example.com",
      email_verified: true,
      given_name: "Ada",
      family_name: "Lovelace",
      name: "Ada Lovelace",
      picture: "https://example.com/ada.png",
    };
    peer.signInAs(claims);
    const flow = await start();
    const res = await exchange(flow);
    const result = await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: flow.nonce, requireIdToken: true });
    const idClaims = oauth.getValidatedIdTokenClaims(result);
    expect(idClaims).toMatchObject({ ...claims, iss: peer.issuer, aud: peer.clientId, nonce: flow.nonce });
    await oauth.validateApplicationLevelSignature(as, res, insecure);
    expect(peer.tokens()).toEqual(expect.arrayContaining([result.access_token, result.id_token]));

    const info = await oauth.userInfoRequest(as, client, result.access_token, insecure);
    expect(await oauth.processUserInfoResponse(as, client, claims.sub, info)).toEqual(claims);
  });

  it("works with client_secret_basic too", async () => {
    peer.signInAs({ sub: "basic-user" });
    const flow = await start();
    const res = await exchange(flow, oauth.ClientSecretBasic(peer.clientSecret));
    const result = await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: flow.nonce, requireIdToken: true });
    expect(oauth.getValidatedIdTokenClaims(result)?.sub).toBe("basic-user");
  });

  it("rejects a wrong client secret", async () => {
    const flow = await start();
    const res = await exchange(flow, oauth.ClientSecretPost("wrong"));
    await expect(oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: flow.nonce })).rejects.toMatchObject({
      error: "invalid_client",
      status: 401,
    });
  });

  it("refuses a replayed code (the mock answers 400 code_challenge required)", async () => {
    const flow = await start();
    const location = await peer.approve(flow.url);
    const params = oauth.validateAuthResponse(as, client, location, flow.state);
    const redeem = () => oauth.authorizationCodeGrantRequest(as, client, auth, params, callback, flow.verifier, insecure);
    await oauth.processAuthorizationCodeResponse(as, client, await redeem(), { expectedNonce: flow.nonce });
    await expect(oauth.processAuthorizationCodeResponse(as, client, await redeem(), { expectedNonce: flow.nonce })).rejects.toMatchObject({
      error: "invalid_request",
      error_description: "code_challenge required",
      status: 400,
    });
  });

  it("tampers with the next ID token", async () => {
    peer.tamperNext({ nonce: "wrong" });
    const flow = await start();
    const res = await exchange(flow);
    await expect(oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: flow.nonce })).rejects.toMatchObject({
      code: "OAUTH_JWT_CLAIM_COMPARISON_FAILED",
    });

    peer.tamperNext({ aud: "other" });
    const second = await start();
    await expect(oauth.processAuthorizationCodeResponse(as, client, await exchange(second), { expectedNonce: second.nonce })).rejects.toThrow(
      /aud/,
    );

    const clean = await start();
    const result = await oauth.processAuthorizationCodeResponse(as, client, await exchange(clean), { expectedNonce: clean.nonce });
    expect(oauth.getValidatedIdTokenClaims(result)?.nonce).toBe(clean.nonce);
  });

  it("denies the next authorization and fails the next token request", async () => {
    peer.denyNext();
    const flow = await start();
    const location = await peer.approve(flow.url);
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.has("code")).toBe(false);
    expect(() => oauth.validateAuthResponse(as, client, location, flow.state)).toThrow(oauth.AuthorizationResponseError);

    peer.failNext(503);
    const failing = await start();
    const res = await exchange(failing);
    expect(res.status).toBe(503);
    // oauth4webapi parses OAuth error bodies of 4xx answers only: a 5xx is "not a conform Token Endpoint response".
    await expect(oauth.processAuthorizationCodeResponse(as, client, res)).rejects.toMatchObject({ code: "OAUTH_RESPONSE_IS_NOT_CONFORM" });
    peer.failNext(400);
    const bad = await exchange(await start());
    await expect(oauth.processAuthorizationCodeResponse(as, client, bad)).rejects.toMatchObject({ error: "invalid_request", status: 400 });
  });
});
