/**
 * Authsome under test, in a process of its own: the engine as an application embeds it — `createAuthsome` with the
 * `password()` plugin and a mailer that discards (./seed.ts) on `createPostgresStore` (a pool of the bench's
 * size), served by `http.createServer(auth.nodeHandler)` on 127.0.0.1 — so every request goes through the real
 * routes and middleware. Rate limits are raised, not disabled (see ./config.ts); the lockout keeps its default. The harness
 * has already migrated and seeded the database, so `start()` here finds it up to date.
 */
import { createPostgresStore } from "../../src/store/postgres/pool.js";
import { closeServer, listen, readConfig, serve } from "./child.js";
import { createBenchAuth } from "./seed.js";

export interface AuthsomeServerConfig {
  databaseUrl: string;
  poolSize: number;
}

await serve(async () => {
  const { databaseUrl, poolSize } = readConfig<AuthsomeServerConfig>();
  const store = createPostgresStore(databaseUrl, { pool: { max: poolSize } });
  const auth = createBenchAuth(store);
  await auth.start();
  const { server, url } = await listen(auth.nodeHandler);
  return {
    url,
    async close() {
      await closeServer(server);
      await auth.stop();
      await store.close();
    },
  };
});
