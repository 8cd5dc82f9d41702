/**
 * better-auth under test, in a process of its own: `startBetterAuth` (../better-auth.ts — latest 1.x, its Drizzle
 * adapter, its defaults, the same PostgreSQL server in a database of its own that the harness created empty) seeds
 * its users over HTTP and listens; the ready message carries the get-session path and one Cookie header per seeded
 * session, which the harness rotates through, and whether better-auth's rate limiter was switched off.
 */
import { BETTER_AUTH_RATE_LIMIT_DISABLED, startBetterAuth } from "../better-auth.js";
import { readConfig, serve } from "./child.js";

export interface BetterAuthServerConfig {
  databaseUrl: string;
  poolSize: number;
  sessions: number;
}

export interface BetterAuthDetails {
  sessionPath: string;
  cookies: string[];
  /** Whether ../better-auth.ts switched better-auth's rate limiter off (reported with the results). */
  rateLimitDisabled: boolean;
}

await serve(async () => {
  const peer = await startBetterAuth(readConfig<BetterAuthServerConfig>());
  const details: BetterAuthDetails = { sessionPath: peer.sessionPath, cookies: peer.cookies, rateLimitDisabled: BETTER_AUTH_RATE_LIMIT_DISABLED };
  return { url: peer.url, details: { ...details }, close: () => peer.close() };
});
