/**
 * The session check's unavoidable work, shared by the ceiling and the Hono floor: hash the token (SHA-256), one
 * joined lookup — the unexpired session by token hash joined to its live user, the same kind of statement
 * Authsome's store sends, a named prepared statement — and the same JSON body (`toUserBody` / `toSessionBody`).
 */
import type pg from "pg";
import { hashToken } from "../../src/crypto/tokens.js";
import { toSessionBody, toUserBody } from "../../src/http/schemas.js";
import { sessions } from "../../src/schema/sessions.js";
import { users } from "../../src/schema/users.js";
import { mapRow } from "../../src/store/postgres/rows.js";

const lookup = `SELECT s.*, u.* FROM authsome_sessions s JOIN authsome_users u ON u.id = s.user_id
                WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL LIMIT 1`;

export const unauthorizedBody = '{"error":"unauthorized","code":"unauthorized"}';

/** The bearer token of an `Authorization` header. */
export const bearer = (authorization: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];

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

/** The JSON body for the session of `token`, or null when there is none. */
export async function sessionBody(pool: pg.Pool, token: string): Promise<string | null> {
  // A named prepared statement, parsed and planned once per connection, as Authsome's session check is.
  const result = await pool.query<unknown[]>({ name: "ceiling_session_check", text: lookup, values: [hashToken(token), new Date()], rowMode: "array" });
  const row = result.rows[0];
  if (!row) return null;
  const parts = splitRow(result, row);
  return JSON.stringify({ user: toUserBody(mapRow(users, parts.user)), session: toSessionBody(mapRow(sessions, parts.session)) });
}
