// Races of the passkey plugin, proven on PostgreSQL with several engine instances, each on its own pool, over one
// database and one app: one login ceremony signs in once however many copies of its assertion race on it (the
// ceremony is consumed by the login's first statement); assertions of one authenticator racing on their own
// ceremonies sign in only where the counter's compare-and-swap moved the counter, and a race flags nothing; two
// concurrent deletions of a user's only two ways in leave one (the user's row locked while the methods are counted).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { type CallResult, countRows, type TestEngine } from "../../support/engine.js";
import { dropInstances, instancesOf, tally } from "../../support/races.js";
import { createPasskeyEngine, loginOptions, pageOrigin, type PasskeyEngine, registerPasskey, signUp, SoftAuthenticator } from "./support.js";

describe.skipIf(!isPostgres)(`passkey races (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  const instances = 5;
  let e: PasskeyEngine;
  let engines: TestEngine[] = [];

  beforeAll(async () => {
    // One secret for all instances (as production requires): what one keys, another reads.
    e = await createPasskeyEngine({ engine: { config: { secret: "one secret shared by every instance of this test" } } });
    engines = await instancesOf(e, instances, { poolSize: 4 });
  });
  afterAll(async () => {
    await dropInstances(engines);
  });

  /** Sends each body to POST /passkeys/login/verify on the next instance, round-robin, all at once. */
  function verifyConcurrently(bodies: Array<Record<string, unknown>>): Promise<CallResult[]> {
    return Promise.all(bodies.map((body, i) => (engines[i % engines.length] as TestEngine).call("POST", "/passkeys/login/verify", { body })));
  }

  const sessionsOf = (userId: string) => countRows(e, "authsome_sessions WHERE user_id = $1", [userId]);
  const passkeySessionsOf = (userId: string) => countRows(e, "authsome_sessions WHERE user_id = $1 AND method = 'passkey'", [userId]);
  const eventsOf = (userId: string, type: string) => countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = $2", [userId, type]);
  async function rowOf(id: string): Promise<{ counter: number; flagged_at: Date | null }> {
    const [row] = await e.t.query<{ counter: string; flagged_at: Date | null }>("SELECT counter, flagged_at FROM authsome_passkeys WHERE id = $1", [id]);
    if (!row) throw new Error(`no passkey ${id}`);
    return { counter: Number(row.counter), flagged_at: row.flagged_at };
  }

  /** A signed-up user with one passkey on a fresh authenticator, signed in once so the counter is past 0. */
  async function userWithPasskey(tag: string) {
    const user = await signUp(e, tag);
    const authenticator = new SoftAuthenticator();
    const registered = await registerPasskey(e, user.token, authenticator);
    const { ceremony_id, options } = await loginOptions(e);
    const first = await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id, response: authenticator.authenticate(options, pageOrigin) } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    return { ...user, authenticator, passkeyId: registered.id as string };
  }

  for (const copies of [2, 10]) {
    it(`one ceremony's assertion sent ${copies} times at once to different instances: one 200, ${copies - 1}× 401 invalid_passkey, one session, one use`, async () => {
      const user = await userWithPasskey(`race-one-${copies}`);
      const before = await rowOf(user.passkeyId);
      const sessions = await sessionsOf(user.userId);
      const used = await eventsOf(user.userId, "passkey.used");
      const { ceremony_id, options } = await loginOptions(e);
      const response = user.authenticator.authenticate(options, pageOrigin);
      const results = await verifyConcurrently(Array.from({ length: copies }, () => ({ ceremony_id, response })));
      expect(tally(results)).toEqual({ "200": 1, "401 invalid_passkey": copies - 1 });
      const winner = results.find((r) => r.status === 200) as CallResult;
      expect(winner.body.user.id).toBe(user.userId);
      expect(await sessionsOf(user.userId)).toBe(sessions + 1);
      expect(await eventsOf(user.userId, "passkey.used")).toBe(used + 1);
      expect(await rowOf(user.passkeyId)).toEqual({ counter: before.counter + 1, flagged_at: null });
      // The ceremony was consumed once and is gone: the same assertion again is refused too.
      expect(await countRows(e, "authsome_ceremonies WHERE kind = 'passkey:login'")).toBe(0);
      const again = await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id, response } });
      expect(tally([again])).toEqual({ "401 invalid_passkey": 1 });
    });
  }

  it("10 ceremonies answered at once by one authenticator (counters n+1..n+10): a session only where the counter moved, and nothing flagged", async () => {
    const user = await userWithPasskey("race-counters");
    const before = await rowOf(user.passkeyId);
    const sessions = await sessionsOf(user.userId);
    const passkeySessions = await passkeySessionsOf(user.userId);
    const used = await eventsOf(user.userId, "passkey.used");
    // Ten ceremonies, and their assertions made up front, in order: counters n+1 … n+10.
    const bodies: Array<{ ceremony_id: string; response: ReturnType<SoftAuthenticator["authenticate"]> }> = [];
    for (let i = 0; i < 10; i++) {
      const { ceremony_id, options } = await loginOptions(e);
      bodies.push({ ceremony_id, response: user.authenticator.authenticate(options, pageOrigin) });
    }
    const counters = bodies.map((_, i) => before.counter + 1 + i);
    // The uses come after the challenges were issued (as in real time): a request whose first statement reads the
    // counter another one just moved sees a challenge older than that use, an honest late assertion — never a copy.
    e.clock.advance(1);
    expect(user.authenticator.credential(bodies[0]?.response.id as string)?.counter).toBe(before.counter + 10);

    const results = await verifyConcurrently(bodies);
    const outcome = tally(results);
    // Each either moved the counter (200) or found it moved past its own (401): no other answer.
    for (const key of Object.keys(outcome)) expect(["200", "401 invalid_passkey"], JSON.stringify(outcome)).toContain(key);
    const won = results.flatMap((r, i) => (r.status === 200 ? [counters[i] as number] : []));
    expect(won.length, JSON.stringify(outcome)).toBeGreaterThanOrEqual(1);
    // A session (and a passkey.used event) for every 200 and for nothing else: a refused CAS issues no session.
    expect(await sessionsOf(user.userId)).toBe(sessions + won.length);
    expect(await passkeySessionsOf(user.userId)).toBe(passkeySessions + won.length);
    expect(await eventsOf(user.userId, "passkey.used")).toBe(used + won.length);
    // The counter is the highest one that won, and a mere race flagged nothing.
    expect(await rowOf(user.passkeyId)).toEqual({ counter: Math.max(...won), flagged_at: null });
    expect(await eventsOf(user.userId, "passkey.counter_regression")).toBe(0);
    expect(await countRows(e, "authsome_passkeys WHERE user_id = $1 AND flagged_at IS NOT NULL", [user.userId])).toBe(0);
    // The credential still signs in (the authenticator's next counter is past every one above).
    const { ceremony_id, options } = await loginOptions(e);
    const next = await e.call("POST", "/passkeys/login/verify", { body: { ceremony_id, response: user.authenticator.authenticate(options, pageOrigin) } });
    expect(next.status, JSON.stringify(next.body)).toBe(200);
  });

  it("two concurrent deletions of a user's only two ways in (two passkeys, no password): one 200, one 409 last_sign_in_method", async () => {
    for (let round = 0; round < 5; round++) {
      const user = await signUp(e, `race-delete-${round}`);
      const first = await registerPasskey(e, user.token, new SoftAuthenticator(), "First");
      const second = await registerPasskey(e, user.token, new SoftAuthenticator(), "Second");
      // Without a current password hash, password's sign-in method source lists nothing: the passkeys are the only ways in.
      await e.t.query("DELETE FROM authsome_password_hashes WHERE user_id = $1", [user.userId]);
      expect(await countRows(e, "authsome_password_hashes WHERE user_id = $1", [user.userId])).toBe(0);

      const deleted = await eventsOf(user.userId, "passkey.deleted");
      const results = await Promise.all([
        (engines[(2 * round) % instances] as TestEngine).call("DELETE", `/passkeys/${first.id}`, { token: user.token }),
        (engines[(2 * round + 1) % instances] as TestEngine).call("DELETE", `/passkeys/${second.id}`, { token: user.token }),
      ]);
      expect(tally(results), `round ${round}`).toEqual({ "200": 1, "409 last_sign_in_method": 1 });
      expect(await countRows(e, "authsome_passkeys WHERE user_id = $1", [user.userId])).toBe(1);
      expect(await eventsOf(user.userId, "passkey.deleted")).toBe(deleted + 1);
      // The one left is the one whose deletion was refused.
      const kept = results[0]?.status === 200 ? second.id : first.id;
      expect(await countRows(e, "authsome_passkeys WHERE id = $1", [kept])).toBe(1);
    }
  });
});
