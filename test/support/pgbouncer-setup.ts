// Global setup of the pgbouncer test project: ONE PgBouncer (transaction mode, see pgbouncer.ts) in front of
// TEST_DATABASE_URL's server for the whole project; test/support/database.ts reads its port with inject().
import type { TestProject } from "vitest/node";
import { startPgBouncer } from "./pgbouncer.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgbouncerPort: number;
  }
}

export default async function setup(project: TestProject) {
  const bouncer = await startPgBouncer();
  project.provide("pgbouncerPort", bouncer.port);
  return () => bouncer.stop();
}
