// Races of the password plugin and the refresh route (shared/spec/quality.md, "Races" and "Refresh reuse"), proven
// on PostgreSQL with several engine instances, each on its own pool, over one database and one app.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { type CallOptions, type CallResult, createTestEngine, linkIn, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { dropInstances, instancesOf, tally } from "../../support/races.js";

const secret = "correct horse battery";


describe.skipIf(!isPostgres)(`password races (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  const instances = 5;
  let e: TestEngine;
  let engines: TestEngine[] = [];

  /** `n` copies of one request, spread round-robin over the instances and sent at once. */
  function concurrently(n: number, method: string, path: string, options: (i: number) => CallOptions): Promise<CallResult[]> {
    return Promise.all(Array.from({ length: n }, (_, i) => (engines[i % engines.length] as TestEngine).call(method, path, options(i))));
  }

  beforeAll(async () => {
    e = await createTestEngine();
    engines = await instancesOf(e, instances, { poolSize: 5 });
  });
  afterAll(async () => {
    await dropInstances(engines);
  });

  it("lets exactly one of 50 concurrent sign-ups with one email through; the other 49 get 409 email_taken", async () => {
    const email = uniqueEmail("race");
    const results = await concurrently(50, "POST", "/signup", () => ({ body: { email, password: secret } }));
    expect(tally(results)).toEqual({ "201": 1, "409 email_taken": 49 });
    const users = await e.t.query<{ id: string }>("SELECT id FROM authsome_users WHERE email = $1", [email]);
    expect(users).toHaveLength(1);
    const winner = results.find((r) => r.status === 201);
    expect(winner?.body.user.id).toBe(users[0]?.id);
    const hashes = await e.t.query("SELECT 1 FROM authsome_password_hashes WHERE user_id = $1", [users[0]?.id]);
    expect(hashes).toHaveLength(1);
    expect((await e.call("POST", "/signin", { body: { email, password: secret } })).status).toBe(200);
  });

  it("cuts a burst of 30 concurrent wrong passwords off at the lockout limit: 5 × 401, then 429 account_locked", async () => {
    const email = uniqueEmail("burst");
    expect((await e.call("POST", "/signup", { body: { email, password: secret } })).status).toBe(201);
    const results = await concurrently(30, "POST", "/signin", () => ({ body: { email, password: "a wrong guess!" } }));
    expect(tally(results)).toEqual({ "401 invalid_credentials": 5, "429 account_locked": 25 });
    expect((await e.call("POST", "/signin", { body: { email, password: secret } })).body.code).toBe("account_locked");
  });

  it("sends the owner one lock mail for a concurrent burst, whichever instances refused it", async () => {
    const email = uniqueEmail("burst-mail");
    expect((await e.call("POST", "/signup", { body: { email, password: secret } })).status).toBe(201);
    await concurrently(30, "POST", "/signin", () => ({ body: { email, password: "a wrong guess!" } }));
    const lockMails = engines.flatMap((engine) => engine.mailer.messages).filter((m) => m.to === email && /locked/.test(m.subject));
    expect(lockMails).toHaveLength(1);
  });

  it("unknown emails too: a burst stops at the limit, exactly as for a real account", async () => {
    const ghost = uniqueEmail("ghost");
    const burst = await concurrently(30, "POST", "/signin", () => ({ body: { email: ghost, password: "a wrong guess!" } }));
    expect(tally(burst)).toEqual({ "401 invalid_credentials": 5, "429 account_locked": 25 });
  });

  it("lets at most 5 of 20 concurrent verification codes be compared", async () => {
    const email = uniqueEmail("codes");
    expect((await e.call("POST", "/signup", { body: { email, password: secret } })).status).toBe(201);
    expect((await e.call("POST", "/verify-email/resend", { body: { email } })).status).toBe(200);
    const guesses = Array.from({ length: 20 }, (_, i) => String(100000 + i));
    const results = await concurrently(20, "POST", "/verify-email", (i) => ({ body: { email, code: guesses[i] } }));
    const rows = await e.t.query<{ attempts: number }>(
      // The resent one: the sign-up's own verification was superseded by it.
      "SELECT v.attempts FROM authsome_verifications v JOIN authsome_users u ON u.id = v.user_id WHERE u.email = $1 AND v.consumed_at IS NULL",
      [email],
    );
    expect(rows[0]?.attempts).toBe(5);
    expect(results.filter((r) => r.body?.code === "invalid_code").length).toBeLessThanOrEqual(4);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(15);
  });

  it("lets exactly one of 20 concurrent refreshes of one token win; the losers get 401 invalid_refresh_token and the family survives", async () => {
    const up = (await e.call("POST", "/signup", { body: { email: uniqueEmail("refresh"), password: secret } })).body;
    const results = await concurrently(20, "POST", "/refresh", () => ({ body: { refresh_token: up.refresh_token } }));
    expect(tally(results)).toEqual({ "200": 1, "401 invalid_refresh_token": 19 });
    const winner = results.find((r) => r.status === 200)?.body;
    expect((await e.call("GET", "/session", { token: winner.session_token })).status).toBe(200);
    const next = await e.call("POST", "/refresh", { body: { refresh_token: winner.refresh_token } });
    expect(next.status).toBe(200);
    expect((await e.call("GET", "/session", { token: next.body.session_token })).status).toBe(200);
  });

  it("treats a rotated refresh token presented after the grace period as a replay and revokes its whole family", async () => {
    const email = uniqueEmail("replay");
    const up = (await e.call("POST", "/signup", { body: { email, password: secret } })).body;
    const unrelated = (await e.call("POST", "/signin", { body: { email, password: secret } })).body;
    const rotated = await e.call("POST", "/refresh", { body: { refresh_token: up.refresh_token } });
    expect(rotated.status).toBe(200);
    const second = await e.call("POST", "/refresh", { body: { refresh_token: rotated.body.refresh_token } });
    expect(second.status).toBe(200);

    e.clock.advance(11);
    const replay = await engines[1]?.call("POST", "/refresh", { body: { refresh_token: up.refresh_token } });
    expect(replay?.status).toBe(401);
    expect(replay?.body.code).toBe("refresh_token_reused");

    expect((await e.call("GET", "/session", { token: second.body.session_token })).status).toBe(401);
    const afterReplay = await e.call("POST", "/refresh", { body: { refresh_token: second.body.refresh_token } });
    expect(afterReplay.status).toBe(401);
    expect((await e.call("GET", "/session", { token: unrelated.session_token })).status).toBe(200);
  });

  it("lets exactly one of 10 concurrent uses of one reset token succeed", async () => {
    const email = uniqueEmail("reset-race");
    await e.call("POST", "/signup", { body: { email, password: secret } });
    expect((await e.call("POST", "/forgot-password", { body: { email } })).status).toBe(200);
    const token = linkIn(e.mailer.lastTo(email)?.text ?? "").searchParams.get("token");
    const candidates = Array.from({ length: 10 }, (_, i) => `new password number ${i}`);
    const results = await concurrently(10, "POST", "/reset-password", (i) => ({ body: { token, new_password: candidates[i] } }));
    expect(tally(results)).toEqual({ "200": 1, "400 invalid_token": 9 });
    const won = results.findIndex((r) => r.status === 200);
    expect((await e.call("POST", "/signin", { body: { email, password: candidates[won] } })).status).toBe(200);
    const current = await e.t.query("SELECT 1 FROM authsome_password_hashes h JOIN authsome_users u ON u.id = h.user_id WHERE u.email = $1 AND h.replaced_at IS NULL", [email]);
    expect(current).toHaveLength(1);
  });
});

if (!isPostgres) console.info(`[races.test] skipped: ${pgliteSkipReason}`);
