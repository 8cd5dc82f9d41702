/**
 * The ceiling for the session check, in a process of its own: a bare node:http server doing only the work no
 * implementation can avoid — take the bearer token, hash it (SHA-256), run one joined lookup (the unexpired session
 * by token hash joined to its live user: the same kind of statement Authsome's store sends, a named prepared
 * statement) through a pg pool of the same size and settings (`createPool`), and write the same JSON body
 * (`toUserBody` / `toSessionBody`); that work is ./session-lookup.ts. No router, no middleware, no validation.
 * Authsome's GET /session is measured against this.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import { createPool } from "../../src/store/postgres/pool.js";
import { closeServer, listen, readConfig, serve } from "./child.js";
import { bearer, sessionBody, unauthorizedBody } from "./session-lookup.js";

export interface CeilingServerConfig {
  databaseUrl: string;
  poolSize: number;
}

function handler(pool: pg.Pool) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const token = bearer(req.headers.authorization);
      const body = token ? await sessionBody(pool, token) : null;
      res.writeHead(body ? 200 : 401, { "content-type": "application/json" }).end(body ?? unauthorizedBody);
    } catch {
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal_error"}');
    }
  };
}

await serve(async () => {
  const { databaseUrl, poolSize } = readConfig<CeilingServerConfig>();
  const pool = createPool(databaseUrl, { max: poolSize });
  const { server, url } = await listen(handler(pool));
  return {
    url,
    async close() {
      await closeServer(server);
      await pool.end();
    },
  };
});
