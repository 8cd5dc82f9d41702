// Races of the social plugin, on PostgreSQL with several engine instances (each its own pool) over one database:
// one state is one sign-in however many callbacks race with it; concurrent first sign-ins of one GitHub account make
// one user; two concurrent unlinks never remove the last way in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { github, social } from "../../../src/plugins/social/index.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { countRows, createTestEngine, type EngineOptions, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { type GitHubStandIn, startGitHubStandIn } from "../../support/github-standin.js";
import { callbackUrl, cookiesOf, followCallback, startFlow } from "./harness.js";
import { dropInstances, instancesOf, tally } from "../../support/races.js";


describe.skipIf(!isPostgres)(`social races (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  const instances = 4;
  let gh: GitHubStandIn;
  let e: TestEngine;
  let engines: TestEngine[] = [];
  let next = 50_000;

  function account(tag: string): string {
    const login = `${tag}-${++next}`;
    gh.addUser({ id: ++next, login, name: "Grace Hopper", emails: [{ email: uniqueEmail(tag), primary: true, verified: true }] });
    gh.authorizeAs(login);
    return login;
  }

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    // Two hosts on one stand-in: `github` and a GitHub Enterprise `ghe`, so one user can hold two links.
    const providers = ["github", "ghe"].map((id) =>
      github({ id, clientId: gh.clientId, clientSecret: gh.clientSecret, redirectURI: callbackUrl(id), baseUrl: gh.baseUrl, apiBaseUrl: gh.apiBaseUrl }),
    );
    // One secret for all instances (as production requires): a state begun on one is unsealed on another.
    const options: EngineOptions = { plugins: [social({ providers })], config: { secret: "one secret shared by every instance of this test" } };
    e = await createTestEngine(options);
    engines = await instancesOf(e, instances, { ...options, poolSize: 4 });
  });
  afterAll(async () => {
    await dropInstances(engines);
    await gh?.close();
  });

  it("8 concurrent callbacks with one state: exactly one session, the others 400 invalid_state", async () => {
    account("one-state");
    const flow = await startFlow(e, "github");
    const location = await gh.approve(flow.authUrl.href);
    const sessions = await countRows(e, "authsome_sessions");
    const results = await Promise.all(engines.flatMap((engine) => [followCallback(engine, "github", location, flow.cookie), followCallback(engine, "github", location, flow.cookie)]));
    expect(tally(results)).toEqual({ "200": 1, "400 invalid_state": 7 });
    expect(await countRows(e, "authsome_sessions")).toBe(sessions + 1);
  });

  it("concurrent first sign-ins of one GitHub account (one state each) create one user and one link", async () => {
    account("first");
    const flows = await Promise.all(engines.map((engine) => startFlow(engine, "github")));
    const locations = await Promise.all(flows.map((flow) => gh.approve(flow.authUrl.href)));
    const results = await Promise.all(engines.map((engine, i) => followCallback(engine, "github", locations[i] as URL, (flows[i] as { cookie: string }).cookie)));
    expect(tally(results)).toEqual({ "200": instances });
    const ids = new Set(results.map((r) => r.body.user.id as string));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.body.is_new_user === true)).toHaveLength(1);
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = $1", [[...ids][0]])).toBe(1);
  });

  it("two concurrent unlinks of an account's only two ways in: one succeeds, the other is 409 last_sign_in_method", async () => {
    account("two-links");
    const flow = await startFlow(e, "github");
    const signedIn = await followCallback(e, "github", await gh.approve(flow.authUrl.href), flow.cookie);
    expect(signedIn.status).toBe(200);
    const token = signedIn.body.session_token as string;
    const link = await e.call("POST", "/social/ghe/link", { token, body: {} });
    expect((await followCallback(e, "ghe", await gh.approve(link.body.auth_url), cookiesOf(link))).status).toBe(200);
    const results = await Promise.all([
      (engines[1] as TestEngine).call("DELETE", "/me/accounts/github", { token }),
      (engines[2] as TestEngine).call("DELETE", "/me/accounts/ghe", { token }),
    ]);
    expect(tally(results)).toEqual({ "200": 1, "409 last_sign_in_method": 1 });
    expect(await countRows(e, "authsome_oauth_accounts WHERE user_id = $1", [signedIn.body.user.id])).toBe(1);
  });
});
