// auth.api's housekeeping: purgeExpired removes every kind of expired row and nothing that is still alive.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEngine, type TestEngine } from "../../support/engine.js";
import { scopeOf, servedTenant } from "../../support/store.js";

let e: TestEngine;
const secret = "correct horse battery";

beforeAll(async () => {
  e = await createTestEngine({ config: { rateLimits: { window: "1m" } } });
});
afterAll(() => e.drop());

async function countRows(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ["authsome_sessions", "authsome_revoked_refresh_tokens", "authsome_rate_limits", "authsome_verifications", "authsome_password_resets", "authsome_ceremonies"]) {
    const [row] = await e.t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    out[table] = row?.n ?? 0;
  }
  return out;
}

describe("auth.api.purgeExpired", () => {
  it("deletes expired sessions, revoked tokens, counters, verifications, resets and ceremonies, and keeps live ones", async () => {
    const old = (await e.call("POST", "/signup", { body: { email: "old@example.com", password: secret } })).body;
    await e.call("POST", "/refresh", { body: { refresh_token: old.refresh_token } }); // a revoked-token record
    await e.call("POST", "/forgot-password", { body: { email: "old@example.com" } }); // a reset link
    await e.call("POST", "/verify-email/resend", { body: { email: "old@example.com" } }); // a verification (the sign-up's is another)
    await e.store.ceremonies.put({ keyHash: "a".repeat(64), kind: "oauth_state", ...scopeOf((await servedTenant(e.store, e.auth.config)).tenant), payload: {}, expiresAt: new Date(e.clock.now().getTime() + 600_000) });

    e.clock.advance(31 * 86_400); // past every expiry, including the 30-day refresh window
    const fresh = (await e.call("POST", "/signup", { body: { email: "fresh@example.com", password: secret } })).body;
    const before = await countRows();
    for (const n of Object.values(before)) expect(n).toBeGreaterThan(0);

    const purged = await e.auth.api.purgeExpired();
    expect(purged).toMatchObject({ sessions: 1, revokedRefreshTokens: 1, ceremonies: 1, verifications: 2, passwordResets: 1 });
    expect(purged.rateLimits).toBeGreaterThan(0);
    expect((await e.call("GET", "/session", { token: fresh.session_token })).status).toBe(200); // the live session stays
    const after = await countRows();
    expect(after.authsome_sessions).toBe(1);
    expect(await e.auth.api.purgeExpired()).toEqual({ sessions: 0, revokedRefreshTokens: 0, ceremonies: 0, rateLimits: 0, verifications: 0, passwordResets: 0 });
  });
});
