// Races of the MFA plugin, proven on PostgreSQL with several engine instances, each on its own pool, over one
// database and one app: one TOTP code signs in once however many tickets it is raced on (the replay guard's
// compare-and-swap), one ticket makes one session however many right answers race on it, and one recovery code is
// spent once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { type CallResult, countRows, type TestEngine } from "../../support/engine.js";
import { dropInstances, instancesOf, tally } from "../../support/races.js";
import { codeAt, createMfaEngine, type Enrolled, signUpEnrolled, ticketFor } from "./support.js";

describe.skipIf(!isPostgres)(`MFA races (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  const instances = 5;
  let e: TestEngine;
  let engines: TestEngine[] = [];

  beforeAll(async () => {
    e = await createMfaEngine({
      engine: {
        config: {
          // One secret for all instances (as production requires): a seed sealed by one is opened by another, and a
          // recovery code hashed by one matches on another.
          secret: "one secret shared by every instance of this test",
          // Every sign-in that stops at the gate and every answer counts toward the account's lockout; these tests
          // make ten of each for one user, which the default (5) would lock.
          lockout: { maxAttempts: 100 },
        },
      },
    });
    engines = await instancesOf(e, instances, { poolSize: 4 });
  });
  afterAll(async () => {
    await dropInstances(engines);
  });

  /** Sends each body to /mfa/challenge on the next instance, round-robin, all at once. */
  function challengeConcurrently(bodies: Array<Record<string, unknown>>): Promise<CallResult[]> {
    return Promise.all(bodies.map((body, i) => (engines[i % engines.length] as TestEngine).call("POST", "/mfa/challenge", { body })));
  }

  /** `count` password sign-ins of the user, one after another: a ticket each. */
  async function tickets(user: Enrolled, count: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(await ticketFor(e, user.email));
    return out;
  }

  const sessionsOf = (userId: string, method?: string) =>
    method === undefined
      ? countRows(e, "authsome_sessions WHERE user_id = $1", [userId])
      : countRows(e, "authsome_sessions WHERE user_id = $1 AND method = $2", [userId, method]);

  it("one TOTP code on 10 tickets of one user at once: exactly one signs in, the other 9 get 401 invalid_mfa_code", async () => {
    const user = await signUpEnrolled(e, "race-code");
    const open = await tickets(user, 10);
    const sessions = await sessionsOf(user.userId);
    const code = codeAt(e, user.app);
    const results = await challengeConcurrently(open.map((mfa_ticket) => ({ mfa_ticket, code })));
    expect(tally(results)).toEqual({ "200": 1, "401 invalid_mfa_code": 9 });
    expect(await sessionsOf(user.userId)).toBe(sessions + 1);
    expect(await sessionsOf(user.userId, "password+totp")).toBe(1);
    // The replay guard holds the step of that code.
    const [row] = await e.t.query<{ last_used_step: string }>("SELECT last_used_step FROM authsome_mfa_enrollments WHERE user_id = $1", [user.userId]);
    expect(Number(row?.last_used_step)).toBe(Math.floor(e.clock.now().getTime() / 30_000));
    // The 9 losing tickets were not spent: each still takes the next code (one of them, since a code works once).
    e.clock.advance(30);
    const loser = open[results.findIndex((r) => r.status !== 200)] as string;
    expect((await e.call("POST", "/mfa/challenge", { body: { mfa_ticket: loser, code: codeAt(e, user.app) } })).status).toBe(200);
  });

  it("one ticket answered by 10 concurrent requests with the right code: exactly one session", async () => {
    const user = await signUpEnrolled(e, "race-ticket");
    const [ticket] = await tickets(user, 1);
    const sessions = await sessionsOf(user.userId);
    const code = codeAt(e, user.app);
    const results = await challengeConcurrently(Array.from({ length: 10 }, () => ({ mfa_ticket: ticket, code })));
    const outcome = tally(results);
    // The winner spent the code, so the other answers are wrong; the fifth counted one spends the ticket's answers but
    // leaves the ticket for the winner's session statement to consume (flows.test.ts holds a winner back to show it).
    expect(outcome["200"], JSON.stringify(outcome)).toBe(1);
    // The others lost one way or another: the code was spent (401), the ticket's five answers were taken or it was
    // consumed (400 invalid_ticket), or theirs was the fifth counted answer, wrong (429 too_many_attempts).
    for (const key of Object.keys(outcome)) expect(["200", "401 invalid_mfa_code", "400 invalid_ticket", "429 too_many_attempts"]).toContain(key);
    expect(await sessionsOf(user.userId)).toBe(sessions + 1);
    expect(await sessionsOf(user.userId, "password+totp")).toBe(1);
    expect(await countRows(e, "authsome_ceremonies WHERE kind = 'signin:mfa' AND payload->>'userId' = $1", [user.userId])).toBe(0);
  });

  it("one recovery code on 10 tickets of one user at once: exactly one signs in, and the code is used once", async () => {
    const user = await signUpEnrolled(e, "race-recovery");
    const open = await tickets(user, 10);
    const sessions = await sessionsOf(user.userId);
    const [recovery_code] = user.recoveryCodes;
    const results = await challengeConcurrently(open.map((mfa_ticket) => ({ mfa_ticket, recovery_code })));
    expect(tally(results)).toEqual({ "200": 1, "401 invalid_mfa_code": 9 });
    expect(await sessionsOf(user.userId)).toBe(sessions + 1);
    expect(await sessionsOf(user.userId, "password+recovery_code")).toBe(1);
    expect(await countRows(e, "authsome_mfa_recovery_codes WHERE user_id = $1 AND used_at IS NOT NULL", [user.userId])).toBe(1);
    expect(await countRows(e, "authsome_mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL", [user.userId])).toBe(9);
    expect(await countRows(e, "authsome_audit_events WHERE type = 'mfa.recovery_code_used' AND user_id = $1", [user.userId])).toBe(1);
  });
});
