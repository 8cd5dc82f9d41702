/**
 * A diagnostic for `npm run bench:profile` (not part of `npm run bench`): the ceiling's work — hash the bearer token,
 * the same named joined lookup through a pool of the same size, the same JSON — served by a bare Hono app on
 * `@hono/node-server`, the router and adapter Authsome is built on, with no middleware. Between the ceiling and
 * this floor lies the cost of the framework; between this floor and Authsome, the cost of Authsome's own stack.
 */
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { createPool } from "../../src/store/postgres/pool.js";
import { closeServer, listen, readConfig, serve } from "./child.js";
import type { CeilingServerConfig } from "./ceiling.js";
import { bearer, sessionBody, unauthorizedBody } from "./session-lookup.js";

await serve(async () => {
  const { databaseUrl, poolSize } = readConfig<CeilingServerConfig>();
  const pool = createPool(databaseUrl, { max: poolSize });
  const app = new Hono();
  app.get("/v1/auth/session", async (c) => {
    const token = bearer(c.req.header("authorization"));
    const body = token ? await sessionBody(pool, token) : null;
    return c.body(body ?? unauthorizedBody, body ? 200 : 401, { "content-type": "application/json" });
  });
  const { server, url } = await listen(getRequestListener(app.fetch));
  return {
    url,
    async close() {
      await closeServer(server);
      await pool.end();
    },
  };
});
