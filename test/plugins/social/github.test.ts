// GitHub sign-in end to end against a stand-in that behaves like GitHub (PKCE S256 checked, errors answered with 200,
// User-Agent required, private and unverified addresses): accounts created and found, linking only on two verified
// addresses, the state's single use and binding, the provider's failures, redirect targets, links and unlinks.
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { createAuthsome } from "../../../src/authsome.js";
import type { AuthsomePlugin } from "../../../src/plugin/index.js";
import { magicLink, type MagicLinkApi } from "../../../src/plugins/magic-link/index.js";
import { github, social, type SocialApi, type SocialProvider } from "../../../src/plugins/social/index.js";
import { countRows, createTestEngine, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { type GitHubStandIn, startGitHubStandIn } from "../../support/github-standin.js";
import { scopeOf } from "../../support/store.js";
import { callbackUrl, cookiesOf, followCallback, setCookie, signInVia, startFlow } from "./harness.js";

const pw = "a fine password";
let gh: GitHubStandIn;
let e: TestEngine;
let provider: SocialProvider;
let nextId = 1000;

/** A GitHub account on the stand-in, approving from now on. */
function gitHubUser(tag: string, emails: Array<{ email: string; primary?: boolean; verified?: boolean }> | null, extra: { email?: string | null; name?: string | null; id?: string } = {}) {
  const login = `${tag}-${++nextId}`;
  gh.addUser({
    id: extra.id ?? ++nextId,
    login,
    name: extra.name === undefined ? "Ada Lovelace" : extra.name,
    email: extra.email ?? null,
    avatarUrl: `https://avatars.example.com/u/${nextId}`,
    emails: (emails ?? []).map((m) => ({ email: m.email, primary: m.primary ?? true, verified: m.verified ?? true, visibility: null })),
  });
  gh.authorizeAs(login);
  return login;
}

const signIn = (options: Parameters<typeof signInVia>[3] = {}) => signInVia(e, gh, "github", options);

async function signUpWithPassword(email: string, verify: boolean): Promise<{ id: string; token: string }> {
  const res = await e.call("POST", "/signup", { body: { email, password: pw } });
  expect(res.status).toBe(201);
  if (verify) await e.store.users.update(scopeOf({ appId: res.body.user.app_id, envId: res.body.user.env_id }), res.body.user.id, { emailVerified: true }, e.clock.now());
  e.mailer.clear();
  return { id: res.body.user.id as string, token: res.body.session_token as string };
}

/** A test plugin whose second-factor gate challenges every sign-in of the addresses in `challenged`. */
const challenged = new Set<string>();
const testGate: AuthsomePlugin = {
  id: "test-gate",
  setup(ctx) {
    ctx.signIns.addGate({ id: "test-2fa", check: async ({ user }) => (challenged.has(user.email) ? { code: "second_factor_required", message: "Second factor" } : null) });
    return {};
  },
};

beforeAll(async () => {
  gh = await startGitHubStandIn({ callbackUrl: callbackUrl("github") });
  provider = github({ clientId: gh.clientId, clientSecret: gh.clientSecret, redirectURI: callbackUrl("github"), baseUrl: gh.baseUrl, apiBaseUrl: gh.apiBaseUrl });
  e = await createTestEngine({ plugins: [social({ providers: [provider], timeoutMs: 500 }), testGate] });
});
afterAll(async () => {
  await e?.drop();
  await gh?.close();
});
beforeEach(() => gh.clearRequests());

describe("GitHub sign-in", () => {
  it("creates the user on the first sign-in and finds it on the second, with the protocol GitHub expects", async () => {
    const email = uniqueEmail("gh-new");
    gitHubUser("new", [{ email }]);
    const flow = await startFlow(e, "github");
    expect(flow.authUrl.origin + flow.authUrl.pathname).toBe(`${gh.baseUrl}/login/oauth/authorize`);
    expect(Object.fromEntries(flow.authUrl.searchParams)).toMatchObject({
      client_id: gh.clientId,
      redirect_uri: callbackUrl("github"),
      response_type: "code",
      scope: "read:user user:email",
      code_challenge_method: "S256",
      state: expect.stringMatching(/^os_[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const first = await followCallback(e, "github", await gh.approve(flow.authUrl.href), flow.cookie);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ provider: "github", is_new_user: true, redirect_to: null, user: { email, email_verified: true, first_name: "Ada", last_name: "Lovelace" } });
    expect(first.body.user.image).toMatch(/^https:\/\/avatars\.example\.com\//);
    expect((await e.call("GET", "/session", { token: first.body.session_token })).status).toBe(200);
    const [session] = await e.t.query<{ method: string }>("SELECT method FROM authsome_sessions WHERE id = $1", [first.body.session.id]);
    expect(session?.method).toBe("social:github");
    const [signedUp] = await e.t.query<{ metadata: { method: string } }>("SELECT metadata FROM authsome_audit_events WHERE type = 'user.signed_up' AND user_id = $1", [first.body.user.id]);
    expect(signedUp?.metadata.method).toBe("social:github");

    // What GitHub requires of the calls: the verifier, and the REST headers.
    const token = gh.requests.find((r) => r.path === "/login/oauth/access_token");
    expect(new URLSearchParams(token?.body).get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    for (const path of ["/api/v3/user", "/api/v3/user/emails"]) {
      const call = gh.requests.find((r) => r.path === path);
      expect(call?.headers).toMatchObject({ "user-agent": "authsome", accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" });
    }

    const second = await signIn();
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ is_new_user: false, user: { id: first.body.user.id } });
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = $1", [first.body.user.id])).toBe(1);
  });

  it("costs a returning user's callback 4 statements and a new user's 8 (the query counter; rate limits off)", async () => {
    gitHubUser("count", [{ email: uniqueEmail("gh-count") }]);
    const measure = async () => {
      const flow = await startFlow(e, "github");
      const location = await gh.approve(flow.authUrl.href);
      e.t.counter.reset();
      const res = await followCallback(e, "github", location, flow.cookie);
      expect(res.status).toBe(200);
      return res.statements;
    };
    const first = await measure();
    const returning = await measure();
    console.info(`social callback statements: new user ${first}, returning user ${returning}`);
    // Returning: consume the state; the link with its user; the refreshed sealed tokens; the session with its event.
    expect(returning).toBe(4);
    // New: consume; no link; no user by that address; in one transaction the user, the link, its social.account_linked
    // and the user.signed_up events; then the session with its event.
    expect(first).toBe(8);
  });

  it("uses the primary verified address, else any verified one, else the public one as unverified; none at all is 400 email_required", async () => {
    const primary = uniqueEmail("gh-primary");
    gitHubUser("primary", [{ email: uniqueEmail("gh-other"), primary: false, verified: true }, { email: primary, primary: true, verified: true }]);
    expect((await signIn()).body.user).toMatchObject({ email: primary, email_verified: true });

    const anyVerified = uniqueEmail("gh-any");
    gitHubUser("anyverified", [{ email: uniqueEmail("gh-unverified"), primary: true, verified: false }, { email: anyVerified, primary: false, verified: true }]);
    expect((await signIn()).body.user).toMatchObject({ email: anyVerified, email_verified: true });

    const publicOnly = uniqueEmail("gh-public");
    gitHubUser("public", [{ email: uniqueEmail("gh-unv"), verified: false }], { email: publicOnly });
    expect((await signIn()).body.user).toMatchObject({ email: publicOnly, email_verified: false });

    gitHubUser("private", [], { email: null });
    const none = await signIn();
    expect(none.status).toBe(400);
    expect(none.body.code).toBe("email_required");
  });

  it("keeps GitHub's int64 id exact as text", async () => {
    const email = uniqueEmail("gh-bigid");
    gitHubUser("bigid", [{ email }], { id: "9007199254740993" });
    const res = await signIn();
    expect(res.status).toBe(200);
    const [row] = await e.t.query<{ provider_account_id: string }>("SELECT provider_account_id FROM authsome_oauth_accounts WHERE user_id = $1", [res.body.user.id]);
    expect(row?.provider_account_id).toBe("9007199254740993");
  });

  it("follows the link, not the address: a changed GitHub email does not re-link", async () => {
    const email = uniqueEmail("gh-stay");
    const login = gitHubUser("stay", [{ email }]);
    const first = await signIn();
    const other = uniqueEmail("gh-elsewhere");
    await signUpWithPassword(other, true);
    gh.updateUser(login, { emails: [{ email: other, primary: true, verified: true }] });
    const again = await signIn();
    expect(again.body.user.id).toBe(first.body.user.id);
    expect(again.body.user.email).toBe(email);
  });
});

describe("linking by email", () => {
  it("links a verified local account when GitHub verified the same address, and signs in (social.account_linked)", async () => {
    const email = uniqueEmail("gh-link");
    const local = await signUpWithPassword(email, true);
    gitHubUser("link", [{ email }]);
    const res = await signIn();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ is_new_user: false, user: { id: local.id } });
    expect(await countRows(e, "authsome_audit_events WHERE type = 'social.account_linked' AND user_id = $1", [local.id])).toBe(1);
  });

  it("refuses with 409 account_exists (and links nothing) when either side has not verified the address", async () => {
    const unverifiedLocal = uniqueEmail("gh-unv-local");
    const local = await signUpWithPassword(unverifiedLocal, false);
    gitHubUser("unvlocal", [{ email: unverifiedLocal }]);
    const a = await signIn();
    expect(a.status).toBe(409);
    expect(a.body).toMatchObject({ code: "account_exists", error: expect.stringContaining("link GitHub") });

    const unverifiedAtGitHub = uniqueEmail("gh-unv-remote");
    const local2 = await signUpWithPassword(unverifiedAtGitHub, true);
    gitHubUser("unvremote", [{ email: unverifiedAtGitHub, verified: false }], { email: unverifiedAtGitHub });
    const b = await signIn();
    expect(b.status).toBe(409);
    expect(b.body.code).toBe("account_exists");
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = ANY($1)", [[local.id, local2.id]])).toBe(0);
    expect(await countRows(e, "authsome_sessions WHERE user_id = ANY($1)", [[local.id, local2.id]])).toBe(2); // the sign-up sessions only
  });
});

describe("linking and unlinking from a signed-in account", () => {
  it("links GitHub to the caller, lists the ways in, unlinks; refuses the last way in and another user's account", async () => {
    const email = uniqueEmail("gh-mine");
    const me = await signUpWithPassword(email, false);
    gitHubUser("mine", [{ email: uniqueEmail("gh-mine-remote") }]);
    const started = await e.call("POST", "/social/github/link", { token: me.token, body: {} });
    expect(started.status).toBe(200);
    const linked = await followCallback(e, "github", await gh.approve(started.body.auth_url), cookiesOf(started));
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    expect(linked.body).toMatchObject({ status: "linked", provider: "github", account: { provider: "github", provider_account_id: expect.any(String) } });
    // A new way in is never added unseen: the owner is told.
    expect(e.mailer.lastTo(email)?.subject).toBe("GitHub was linked to your account");

    const accounts = await e.call("GET", "/me/accounts", { token: me.token });
    expect(accounts.status).toBe(200);
    expect(accounts.body.items.map((i: { provider: string }) => i.provider).sort()).toEqual(["github", "password"]);
    expect(accounts.body.items.find((i: { provider: string }) => i.provider === "password")).toMatchObject({ provider_account_id: null, email });

    // The same GitHub account for another user: 409, nothing changes.
    const other = await signUpWithPassword(uniqueEmail("gh-other-user"), false);
    const again = await e.call("POST", "/social/github/link", { token: other.token, body: {} });
    const refused = await followCallback(e, "github", await gh.approve(again.body.auth_url), cookiesOf(again));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("account_linked_elsewhere");

    expect((await e.call("DELETE", "/me/accounts/github", { token: me.token })).status).toBe(200);
    expect((await e.call("GET", "/me/accounts", { token: me.token })).body.items.map((i: { provider: string }) => i.provider)).toEqual(["password"]);
    expect((await e.call("DELETE", "/me/accounts/github", { token: me.token })).status).toBe(404);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'social.account_unlinked' AND user_id = $1", [me.id])).toBe(1);
  });

  it("counts a verified address as a way in while magic links are on, and a provider no longer configured as none", async () => {
    const withLinks = await e.sibling({ plugins: [social({ providers: [provider] }), magicLink()] });
    try {
      gitHubUser("mailbox", [{ email: uniqueEmail("gh-mailbox") }]);
      const res = await signInVia(withLinks, gh, "github");
      const token = res.body.session_token as string;
      const listed = await withLinks.call("GET", "/me/accounts", { token });
      expect(listed.body.items.map((i: { provider: string }) => i.provider).sort()).toEqual(["github", "magic_link"]);
      expect((await withLinks.call("DELETE", "/me/accounts/github", { token })).status).toBe(200);
    } finally {
      await withLinks.drop();
    }
    // An engine whose only provider is another: the GitHub link is listed by nobody, and unlinking it never locks anyone out.
    gitHubUser("dead", [{ email: uniqueEmail("gh-dead") }]);
    const signedIn = await signIn();
    const other = await e.sibling({ plugins: [social({ providers: [github({ id: "ghe", clientId: "x", clientSecret: "y", redirectURI: callbackUrl("ghe") })] })] });
    try {
      const token = signedIn.body.session_token as string;
      expect((await other.call("GET", "/me/accounts", { token })).body.items).toEqual([]);
      expect((await other.call("DELETE", "/me/accounts/github", { token })).status).toBe(200);
      expect((await other.call("DELETE", "/me/accounts/password", { token })).status).toBe(404);
    } finally {
      await other.drop();
    }
    expect(() => social({ providers: [github({ id: "password", clientId: "x", clientSecret: "y", redirectURI: callbackUrl("password") })] })).toThrow(/another way in/);
  });

  it("never unlinks the last way in: a GitHub-only account gets 409 last_sign_in_method", async () => {
    gitHubUser("only", [{ email: uniqueEmail("gh-only") }]);
    const res = await signIn();
    const unlink = await e.call("DELETE", "/me/accounts/github", { token: res.body.session_token });
    expect(unlink.status).toBe(409);
    expect(unlink.body.code).toBe("last_sign_in_method");
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = $1", [res.body.user.id])).toBe(1);
  });
});

describe("the state", () => {
  it("is single use: a replayed callback is 400 invalid_state and signs nobody in", async () => {
    gitHubUser("replay", [{ email: uniqueEmail("gh-replay") }]);
    const flow = await startFlow(e, "github");
    const location = await gh.approve(flow.authUrl.href);
    expect((await followCallback(e, "github", location, flow.cookie)).status).toBe(200);
    const sessions = await countRows(e, "authsome_sessions");
    const replay = await followCallback(e, "github", location, flow.cookie);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ code: "invalid_state", details: { fields: { state: expect.any(String) } } });
    expect(await countRows(e, "authsome_sessions")).toBe(sessions);
  });

  it("refuses a forged state, an expired one, a missing one, and one without the browser that started it", async () => {
    gitHubUser("forged", [{ email: uniqueEmail("gh-forged") }]);
    const flow = await startFlow(e, "github");
    const location = await gh.approve(flow.authUrl.href);
    const forged = new URL(location);
    forged.searchParams.set("state", "os_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect((await followCallback(e, "github", forged, flow.cookie)).body.code).toBe("invalid_state");
    const stateless = new URL(location);
    stateless.searchParams.delete("state");
    expect((await followCallback(e, "github", stateless, flow.cookie)).body.code).toBe("invalid_state");
    // Login CSRF: the attacker's callback URL in the victim's browser (which holds no binding cookie, or its own).
    expect((await followCallback(e, "github", location, "")).body.code).toBe("invalid_state");

    const late = await startFlow(e, "github");
    const lateLocation = await gh.approve(late.authUrl.href);
    e.clock.advance(10 * 60 + 1);
    const expired = await followCallback(e, "github", lateLocation, late.cookie);
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe("invalid_state");
  });

  it("refuses, as invalid_state (not a 500), a state sealed by an instance with another secret", async () => {
    // Development engines without a secret each generate their own: what one sealed, another cannot open.
    const other = await e.sibling();
    try {
      gitHubUser("secret", [{ email: uniqueEmail("gh-secret") }]);
      const flow = await startFlow(e, "github");
      const res = await followCallback(other, "github", await gh.approve(flow.authUrl.href), flow.cookie);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_state");
    } finally {
      await other.drop();
    }
  });

  it("stores only the state's hash, and no flow secret in the clear", async () => {
    const flow = await startFlow(e, "github");
    const state = flow.authUrl.searchParams.get("state") as string;
    const [row] = await e.t.query<{ dump: string }>("SELECT string_agg(c::text, '|') AS dump FROM authsome_ceremonies c WHERE kind = 'social:github'");
    expect(row?.dump).not.toContain(state);
    expect(row?.dump).not.toContain(flow.authUrl.searchParams.get("code_challenge"));
    expect(row?.dump).toMatch(/secrets"+: "+v[0-9a-f]{8}\./);
  });
});

describe("the provider's answers", () => {
  it("a refusal at GitHub (?error=access_denied): JSON clients 400 oauth_denied, browsers back to redirect_to with ?error", async () => {
    gitHubUser("denied", [{ email: uniqueEmail("gh-denied") }]);
    gh.denyNext();
    const res = await signIn();
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("oauth_denied");

    gh.denyNext();
    const browser = await signIn({ browser: true, body: { redirect_to: "/after?x=1" } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe("http://app.test/after?x=1&error=oauth_denied");
    expect(setCookie(browser, "authsome_session")).toBeUndefined();
  });

  it("a bad or used code (GitHub's 200 with error=bad_verification_code) is 400 invalid_oauth_code, never a 500", async () => {
    gitHubUser("badcode", [{ email: uniqueEmail("gh-badcode") }]);
    const flow = await startFlow(e, "github");
    const location = await gh.approve(flow.authUrl.href);
    location.searchParams.set("code", "not-a-code");
    const res = await followCallback(e, "github", location, flow.cookie);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_oauth_code");
    const token = gh.requests.find((r) => r.path === "/login/oauth/access_token");
    expect(token).toBeDefined();
  });

  it("GitHub unreachable, resetting, timing out or answering 5xx is 502 provider_unavailable", async () => {
    gitHubUser("down", [{ email: uniqueEmail("gh-down") }]);
    const faults = [
      ["token", { status: 503 }],
      ["token", { reset: true }],
      ["token", { hang: true }],
      ["user", { status: 500 }],
      ["emails", { hang: true }],
    ] as const;
    for (const [endpoint, fault] of faults) {
      gh.fail(endpoint, fault);
      const res = await signIn();
      expect(res.status, `${endpoint} ${JSON.stringify(fault)}`).toBe(502);
      expect(res.body.code).toBe("provider_unavailable");
    }
  });

  it("a wrong client secret is 502 provider_error (the operator's problem), with nothing of the secret in the answer", async () => {
    const bad = github({ clientId: gh.clientId, clientSecret: "wrong-secret", redirectURI: callbackUrl("github"), baseUrl: gh.baseUrl, apiBaseUrl: gh.apiBaseUrl });
    const other = await e.sibling({ plugins: [social({ providers: [bad] })] });
    try {
      gitHubUser("badsecret", [{ email: uniqueEmail("gh-badsecret") }]);
      const res = await signInVia(other, gh, "github");
      expect(res.status).toBe(502);
      expect(res.body.code).toBe("provider_error");
      expect(JSON.stringify(res.body)).not.toContain("wrong-secret");
    } finally {
      await other.drop();
    }
  });
});

describe("redirects", () => {
  it("the browser flow: GET start redirects to GitHub, the callback sets both session cookies and lands on redirect_to", async () => {
    gitHubUser("browser", [{ email: uniqueEmail("gh-browser") }]);
    const start = await e.call("GET", "/social/github?redirect_to=%2Fdashboard");
    expect(start.status).toBe(302);
    const authUrl = start.headers.get("location") as string;
    expect(authUrl.startsWith(`${gh.baseUrl}/login/oauth/authorize?`)).toBe(true);
    expect(setCookie(start, "authsome_oauth")).toMatch(/HttpOnly/i);
    const res = await followCallback(e, "github", await gh.approve(authUrl), cookiesOf(start), { browser: true });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://app.test/dashboard");
    expect(setCookie(res, "authsome_session")).toMatch(/^authsome_session=as_/);
    expect(setCookie(res, "authsome_refresh")).toMatch(/^authsome_refresh=ar_/);
  });

  it("defaults to appUrl, accepts trusted absolute URLs, and refuses anything else with 400 invalid_redirect", async () => {
    gitHubUser("default", [{ email: uniqueEmail("gh-default") }]);
    const res = await signIn({ browser: true });
    expect(res.headers.get("location")).toBe("http://app.test");
    for (const target of ["https://evil.example/x", "//evil.example", "javascript:alert(1)", "/\\evil.example", "/..//evil.example", "/%2e%2e//evil.example", "/\t/evil.example", "http://app.test.evil.example/", "https://user:pw@app.test/"]) {
      const post = await e.call("POST", "/social/github", { body: { redirect_to: target } });
      expect(post.status, target).toBe(400);
      expect(post.body).toMatchObject({ code: "invalid_redirect", details: { fields: { redirect_to: expect.any(String) } } });
      const get = await e.call("GET", `/social/github?redirect_to=${encodeURIComponent(target)}`);
      expect(get.status, target).toBe(400);
    }
    expect((await e.call("POST", "/social/github", { body: { redirect_to: "http://app.test/welcome" } })).status).toBe(200);
  });

  it("limits starts and callbacks per IP (socialStart, socialCallback), configurable by name", async () => {
    const limited = await e.sibling({ config: { rateLimits: { socialStart: 2, socialCallback: 1 } } });
    try {
      expect((await limited.call("POST", "/social/github", { body: {} })).status).toBe(200);
      expect((await limited.call("GET", "/social/github")).status).toBe(302);
      const third = await limited.call("POST", "/social/github", { body: {} });
      expect(third.status).toBe(429);
      expect(third.body.code).toBe("rate_limited");
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
      const callback = (await limited.call("GET", "/social/github/callback?state=x", { headers: { accept: "application/json" } })).status;
      expect(callback).toBe(400);
      expect((await limited.call("GET", "/social/github/callback?state=x", { headers: { accept: "application/json" } })).status).toBe(429);
    } finally {
      await limited.drop();
    }
  });

  it("an unknown provider is 404 on every route", async () => {
    expect((await e.call("GET", "/social/nope")).status).toBe(404);
    expect((await e.call("POST", "/social/nope", { body: {} })).status).toBe(404);
    expect((await e.call("GET", "/social/nope/callback?state=x&code=y", { headers: { accept: "application/json" } })).status).toBe(404);
  });
});

describe("the sign-in rules", () => {
  it("a banned user cannot sign in with GitHub", async () => {
    gitHubUser("banned", [{ email: uniqueEmail("gh-banned") }]);
    const first = await signIn();
    const { app_id: appId, env_id: envId, id } = first.body.user;
    await e.store.users.update(scopeOf({ appId, envId }), id, { banned: true, banReason: "spam" }, e.clock.now());
    const res = await signIn();
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("user_banned");
  });

  it("a second-factor gate stops the GitHub sign-in as it stops a password one: 403 with a ticket, no session", async () => {
    const email = uniqueEmail("gh-gated");
    gitHubUser("gated", [{ email }]);
    challenged.add(email);
    const sessions = await countRows(e, "authsome_sessions");
    const res = await signIn();
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "second_factor_required", details: { ticket: expect.stringMatching(/^st_/) } });
    expect(await countRows(e, "authsome_sessions")).toBe(sessions);
    // A browser lands back in the app with the challenge's code; the ticket rides in the fragment.
    const browser = await signIn({ browser: true });
    expect(browser.headers.get("location")).toMatch(/^http:\/\/app\.test\/?\?error=second_factor_required#ticket=st_/);
    challenged.delete(email);
  });
});

describe("mailbox proof and address verification", () => {
  it("retires a link made on an address GitHub never verified once someone proves the mailbox (no pre-account takeover)", async () => {
    // A stranger's GitHub account shows the victim's address publicly, unverified: it makes an unverified account.
    const victim = uniqueEmail("gh-victim");
    gitHubUser("squatter", [], { email: victim });
    const squat = await signIn();
    expect(squat.body).toMatchObject({ is_new_user: true, user: { email: victim, email_verified: false } });
    // The owner of the mailbox proves it (here by a verification code sent to the address).
    expect((await e.call("POST", "/verify-email/resend", { body: { email: victim } })).status).toBe(200);
    const code = /code: (\d{6})/.exec(e.mailer.lastTo(victim)?.text ?? "")?.[1] as string;
    expect((await e.call("POST", "/verify-email", { body: { email: victim, code } })).status).toBe(200);
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = $1", [squat.body.user.id])).toBe(0);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'social.account_unlinked' AND user_id = $1", [squat.body.user.id])).toBe(1);
    // The stranger's GitHub no longer signs in to the owner's account.
    const again = await signIn();
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("account_exists");
  });

  it("marks a linked account verified once GitHub verifies that same address", async () => {
    const email = uniqueEmail("gh-later");
    const login = gitHubUser("later", [{ email, verified: false }], { email });
    const first = await signIn();
    expect(first.body.user.email_verified).toBe(false);
    gh.updateUser(login, { emails: [{ email, primary: true, verified: true }] });
    const second = await signIn();
    expect(second.body.user).toMatchObject({ id: first.body.user.id, email_verified: true });
  });

  it("under requireEmailVerification, makes no account from an address GitHub did not verify (403 email_not_verified)", async () => {
    const strict = await e.sibling({ config: { requireEmailVerification: true } });
    try {
      const email = uniqueEmail("gh-strict");
      gitHubUser("strict", [], { email });
      const res = await signInVia(strict, gh, "github");
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("email_not_verified");
      expect(await countRows(e, "authsome_users WHERE email = $1", [email])).toBe(0);
    } finally {
      await strict.drop();
    }
  });
});

describe("the callback's input", () => {
  it("a valid state without a code is 400 invalid_request, and parameters it does not know are ignored", async () => {
    const flow = await startFlow(e, "github");
    const location = await gh.approve(flow.authUrl.href);
    const noCode = new URL(location);
    noCode.searchParams.delete("code");
    noCode.searchParams.set("id_token", "x");
    const res = await followCallback(e, "github", noCode, flow.cookie);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "invalid_request", details: { fields: { code: expect.any(String) } } });
  });
});

describe("provider tokens", () => {
  it("are sealed at rest and opened by auth.api.getProviderToken", async () => {
    gh.expiringTokens(true);
    gitHubUser("tokens", [{ email: uniqueEmail("gh-tokens") }]);
    const res = await signIn();
    gh.expiringTokens(false);
    const api = e.auth.api as typeof e.auth.api & SocialApi;
    const token = await api.getProviderToken(res.body.user.id, "github");
    expect(token?.accessToken).toMatch(/^gho_/);
    expect(token?.refreshToken).toMatch(/^ghr_/);
    expect(token?.expiresAt).toBeInstanceOf(Date);
    expect(token?.scope).toBe("read:user user:email");
    expect(gh.tokens()).toContain(token?.accessToken);
    const [row] = await e.t.query<{ dump: string }>("SELECT string_agg(a::text, '|') AS dump FROM authsome_oauth_accounts a");
    for (const issued of gh.tokens()) expect(row?.dump).not.toContain(issued);
    expect(await api.getProviderToken(res.body.user.id, "gitlab")).toBeNull();
    // A later sign-in whose token response has no refresh token (most providers send one on first consent only)
    // replaces the access token and keeps the refresh token.
    const again = await signIn();
    expect(again.status).toBe(200);
    const after = await api.getProviderToken(res.body.user.id, "github");
    expect(after?.accessToken).not.toBe(token?.accessToken);
    expect(after?.refreshToken).toBe(token?.refreshToken);
  });
});

describe("auth.api", () => {
  it("is typed from the plugins passed: the social and magic-link counterparts appear with them", () => {
    const auth = createAuthsome({ store: e.store, plugins: [social({ providers: [github({ clientId: "c", clientSecret: "s", redirectURI: callbackUrl("github") })] }), magicLink()], config: { development: true } });
    expectTypeOf(auth.api.getProviderToken).toEqualTypeOf<SocialApi["getProviderToken"]>();
    expectTypeOf(auth.api.socialCallback).toEqualTypeOf<SocialApi["socialCallback"]>();
    expectTypeOf(auth.api.verifyMagicLink).toEqualTypeOf<MagicLinkApi["verifyMagicLink"]>();
    for (const name of ["socialAuthorizationUrl", "socialCallback", "listAccounts", "unlinkAccount", "getProviderToken", "sendMagicLink", "verifyMagicLink"]) {
      expect(typeof (auth.api as unknown as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
