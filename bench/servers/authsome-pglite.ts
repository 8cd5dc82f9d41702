/**
 * Authsome on PGlite (`--pglite`), in a process of its own: the same engine and configuration as ./authsome.ts, but
 * on an in-memory PGlite database — the embedded store, one connection inside the process. An in-memory database
 * lives in this process only, so this child migrates (`start()`) and seeds it itself, and reports its session
 * tokens with its ready message. Measured beside Authsome on PostgreSQL; the ceiling and better-auth stay on
 * PostgreSQL.
 */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { postgresStore } from "../../src/store/postgres/store.js";
import { closeServer, listen, readConfig, serve } from "./child.js";
import { createBenchAuth, seedAuthsome } from "./seed.js";

export interface AuthsomePgliteConfig {
  users: number;
  sessions: number;
}

export interface AuthsomePgliteDetails {
  tokens: string[];
}

await serve(async () => {
  const counts = readConfig<AuthsomePgliteConfig>();
  const client = await PGlite.create();
  const store = postgresStore(drizzle(client));
  const auth = createBenchAuth(store);
  await auth.start();
  // One connection: more in flight would only queue.
  const { tokens } = await seedAuthsome(auth, store, { ...counts, insertConcurrency: 1 });
  const { server, url } = await listen(auth.nodeHandler);
  const details: AuthsomePgliteDetails = { tokens };
  return {
    url,
    details: { ...details },
    async close() {
      await closeServer(server);
      await auth.stop();
      await store.close();
    },
  };
});
