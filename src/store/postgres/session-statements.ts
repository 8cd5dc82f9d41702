// The sessions store's hand-written statements, each prepared by name (see prepared.ts): multi-CTE statements cost
// the database more to plan than to run, and each one is a whole change — the session, its revoked-token record and
// its event — in one round trip.
import { getTableColumns } from "drizzle-orm";
import { sessions } from "../../schema/sessions.js";
import { users } from "../../schema/users.js";
import { recordEvents } from "./events.js";
import type { Statement } from "./prepared.js";

/** Every column of `table` from alias `alias`, each renamed `<alias>_<column>` (both tables have an `id`). */
function aliased(table: typeof sessions | typeof users, alias: string): string {
  return Object.values(getTableColumns(table))
    .map((column) => `${alias}."${column.name}" AS "${alias}_${column.name}"`)
    .join(", ");
}

/**
 * The session check: the unexpired session by token hash joined to its live user. Hand-written and prepared by
 * name: under load, building it with Drizzle and mapping Drizzle's result cost a tenth of the request's CPU.
 */
export const sessionCheck: Statement = {
  name: "authsome_session_check",
  text: `SELECT ${aliased(sessions, "s")}, ${aliased(users, "u")}
    FROM authsome_sessions s JOIN authsome_users u ON u.id = s.user_id
    WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL
    LIMIT 1`,
};

/** The event of a session change, for the user of the session row(s) in `source`, with the session id in its metadata. */
function sessionEvent(params: { id: string; type: string; ipAddress: string; userAgent: string; metadata: string; at: string }, source: string): string {
  return recordEvents(
    {
      id: params.id,
      appId: "app_id",
      envId: "env_id",
      userId: "user_id",
      type: params.type,
      ipAddress: params.ipAddress,
      userAgent: params.userAgent,
      metadata: `${params.metadata}::jsonb || jsonb_build_object('sessionId', id)`,
      createdAt: params.at,
    },
    source,
  );
}

/**
 * A new session ($1–$15) with, optionally, its event ($16–$21, recorded when $22), the reset of rate-limit counters
 * ($23, an array) and — when $25 — the consumption of the tenant's open ceremony $26 of kind $27 (a sign-in ticket):
 * then the session is written only if this statement deleted the ceremony, so one ticket yields one session however
 * many requests race for it. $24 is the caller's clock.
 */
export const createWithEffects: Statement = {
  name: "authsome_session_create",
  text: `WITH consumed AS (
      DELETE FROM authsome_ceremonies
      WHERE $25::boolean AND key_hash = $26 AND kind = $27 AND app_id = $2 AND env_id = $3 AND expires_at > COALESCE($24::timestamptz, now())
      RETURNING 1
    ), created AS (
      INSERT INTO authsome_sessions (id, app_id, env_id, user_id, org_id, token_hash, refresh_token_hash, family_id,
                                     ip_address, user_agent, device_id, impersonated_by, method, expires_at, refresh_expires_at,
                                     created_at, updated_at)
      SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text,
             $12::text, $13::text, $14::timestamptz, $15::timestamptz,
             COALESCE($24::timestamptz, now()), COALESCE($24::timestamptz, now()) -- the default only without the caller's clock
      WHERE NOT $25::boolean OR EXISTS (SELECT 1 FROM consumed)
      RETURNING *
    ), ${sessionEvent({ id: "$16", type: "$17", ipAddress: "$18", userAgent: "$19", metadata: "$20", at: "$21" }, "created WHERE $22")}, reset AS (
      DELETE FROM authsome_rate_limits WHERE key = ANY($23::text[]) AND EXISTS (SELECT 1 FROM created)
    )
    SELECT * FROM created`,
};

/**
 * Deletes the sessions `condition` selects and records their refresh hashes as revoked (reason $1, at $2; kept until
 * each one's refresh expiry) — and, with `event`, that event for the deleted session — in one statement; answers
 * how many went. The condition's own parameters start at $3.
 */
function revocation(name: string, condition: string, event?: string): Statement {
  return {
    name,
    text: `WITH gone AS (
        DELETE FROM authsome_sessions WHERE ${condition}
        RETURNING id, refresh_token_hash, app_id, env_id, user_id, family_id, refresh_expires_at
      ), recorded AS (
        INSERT INTO authsome_revoked_refresh_tokens (token_hash, app_id, family_id, reason, revoked_at, expires_at)
        SELECT refresh_token_hash, app_id, family_id, $1, $2, refresh_expires_at FROM gone
        ON CONFLICT (token_hash) DO NOTHING
      )${event ? `, ${event}` : ""}
      SELECT count(*)::int AS n FROM gone`,
  };
}

/** One session of a tenant ($3 id, $4 app, $5 environment); its event ($6–$10) when $11. */
export const revokeOne = revocation(
  "authsome_session_revoke",
  "id = $3 AND app_id = $4 AND env_id = $5",
  sessionEvent({ id: "$6", type: "$7", ipAddress: "$8", userAgent: "$9", metadata: "$10", at: "$2" }, "gone WHERE $11"),
);
/** Every session of user $3. */
export const revokeByUser = revocation("authsome_sessions_revoke_by_user", "user_id = $3");
/** Every session of user $3 but $4. */
export const revokeByUserExcept = revocation("authsome_sessions_revoke_by_user_except", "user_id = $3 AND id <> $4");
/** Every session of user $3 but the $4 newest live ones. */
export const evictOldest = revocation(
  "authsome_sessions_evict",
  `user_id = $3 AND id NOT IN (
          SELECT id FROM authsome_sessions WHERE user_id = $3 AND refresh_expires_at > $2
          ORDER BY created_at DESC, id DESC LIMIT $4)`,
);
/** Every session of token family $3. */
export const revokeFamily = revocation("authsome_sessions_revoke_family", "family_id = $3");
