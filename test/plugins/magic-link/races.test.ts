// Races of the magic-link plugin, proven on PostgreSQL with several engine instances, each on its own pool, over one
// database and one app: a link signs in exactly once, and concurrent links for one new address make one account.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { magicLink } from "../../../src/plugins/magic-link/index.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { type CallResult, countRows, createTestEngine, linkIn, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { dropInstances, instancesOf, tally } from "../../support/races.js";


describe.skipIf(!isPostgres)(`magic-link races (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  const instances = 5;
  let e: TestEngine;
  let engines: TestEngine[] = [];

  /** Verifies each token on the next instance, round-robin, all at once. */
  function verifyConcurrently(tokens: string[]): Promise<CallResult[]> {
    return Promise.all(tokens.map((token, i) => (engines[i % engines.length] as TestEngine).call("POST", "/magic-link/verify", { body: { token } })));
  }

  /** Asks for a link on the first instance; returns the token mailed. */
  async function sendLink(email: string): Promise<string> {
    e.mailer.clear();
    expect((await e.call("POST", "/magic-link/send", { body: { email } })).status).toBe(200);
    const token = linkIn(e.mailer.lastTo(email)?.text ?? "").searchParams.get("token");
    if (!token) throw new Error(`no link mailed to ${email}`);
    return token;
  }

  beforeAll(async () => {
    e = await createTestEngine({ plugins: [magicLink()] });
    engines = await instancesOf(e, instances, { poolSize: 5 });
  });
  afterAll(async () => {
    await dropInstances(engines);
  });

  it("lets exactly one of 10 concurrent verifies of one link sign in; the other 9 get 400 invalid_token", async () => {
    const email = uniqueEmail("ml-race");
    expect((await e.call("POST", "/signup", { body: { email, password: "a fine password" } })).status).toBe(201);
    const [user] = await e.t.query<{ id: string }>("SELECT id FROM authsome_users WHERE email = $1", [email]);
    const token = await sendLink(email);
    const sessions = await countRows(e, "authsome_sessions WHERE user_id = $1", [user?.id]);
    const results = await verifyConcurrently(Array.from({ length: 10 }, () => token));
    expect(tally(results)).toEqual({ "200": 1, "400 invalid_token": 9 });
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user?.id])).toBe(sessions + 1);
    expect(await countRows(e, "authsome_sessions WHERE user_id = $1 AND method = 'magic_link'", [user?.id])).toBe(1);
  });

  it("makes one account of two links for the same new address followed at once: both sign in to it", async () => {
    for (let round = 0; round < 5; round++) {
      const email = uniqueEmail("ml-race-new");
      const tokens = [await sendLink(email), await sendLink(email)];
      const results = await verifyConcurrently(tokens);
      expect(tally(results)).toEqual({ "200": 2 });
      const users = await e.t.query<{ id: string }>("SELECT id FROM authsome_users WHERE email = $1", [email]);
      expect(users).toHaveLength(1);
      expect(results.map((r) => r.body.user.id)).toEqual([users[0]?.id, users[0]?.id]);
      expect(results.filter((r) => r.body.is_new_user === true)).toHaveLength(1);
      expect(await countRows(e, "authsome_audit_events WHERE type = 'user.signed_up' AND user_id = $1", [users[0]?.id])).toBe(1);
    }
  });
});
