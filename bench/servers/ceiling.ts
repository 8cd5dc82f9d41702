/**
 * The ceiling for the session check, in a process of its own: a bare node:http server doing only the work no
 * implementation can avoid — take the bearer token, hash it (SHA-256), run one joined lookup (the unexpired session
 * by token hash joined to its live user: the same kind of statement Authsome's store sends, a named prepared
 * statement) through a pg pool of the same size and settings (`createPool`), and write the same JSON body
 * (`toUserBody` / `toSessionBody`). No router, no middleware, no validation. Authsome's GET /session is measured
 * against this.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import { hashToken } from "../../src/crypto/tokens.js";
import { toSessionBody, toUserBody } from "../../src/http/schemas.js";
import { sessions } from "../../src/schema/sessions.js";
import { users } from "../../src/schema/users.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { mapRow } from "../../src/store/postgres/rows.js";
import { closeServer, listen, readConfig, serve } from "./child.js";

export interface CeilingServerConfig {
  databaseUrl: string;
  poolSize: number;
}

const lookup = `SELECT s.*, u.* FROM authsome_sessions s JOIN authsome_users u ON u.id = s.user_id
                WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL LIMIT 1`;
const unauthorized = '{"error":"unauthorized","code":"unauthorized"}';

/** Splits an array-mode row into the session's columns and the user's (by the table each field came from). */
function splitRow(result: pg.QueryResult<unknown[]>, row: unknown[]) {
  const sessionTable = result.fields[0]!.tableID;
  const session: Record<string, unknown> = {};
  const user: Record<string, unknown> = {};
  result.fields.forEach((field, i) => {
    (field.tableID === sessionTable ? session : user)[field.name] = row[i];
  });
  return { session, user };
}

function handler(pool: pg.Pool) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
      if (!token) {
        res.writeHead(401, { "content-type": "application/json" }).end(unauthorized);
        return;
      }
      // A named prepared statement, parsed and planned once per connection, as Authsome's session check is.
      const result = await pool.query<unknown[]>({ name: "ceiling_session_check", text: lookup, values: [hashToken(token), new Date()], rowMode: "array" });
      const row = result.rows[0];
      if (!row) {
        res.writeHead(401, { "content-type": "application/json" }).end(unauthorized);
        return;
      }
      const parts = splitRow(result, row);
      const body = JSON.stringify({ user: toUserBody(mapRow(users, parts.user)), session: toSessionBody(mapRow(sessions, parts.session)) });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
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
