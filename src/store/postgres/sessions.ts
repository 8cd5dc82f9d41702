import { and, eq, getTableColumns, gt, lte, sql, type SQL } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { sessions, type RefreshRevocationReason } from "../../schema/sessions.js";
import { users } from "../../schema/users.js";
import type {
  NewSession,
  Page,
  PageRequest,
  Session,
  SessionAudit,
  SessionCreationEffects,
  SessionRotation,
  SessionsStore,
  SessionWithUser,
} from "../contract.js";
import { auditEvents } from "../../schema/audit-events.js";
import { allOf, keyset, toPage } from "./pagination.js";
import { runStatement, type Statement, type StatementTarget } from "./prepared.js";
import { mapRow, rowsOf } from "./rows.js";

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
const sessionCheck: Statement = {
  name: "authsome_session_check",
  text: `SELECT ${aliased(sessions, "s")}, ${aliased(users, "u")}
    FROM authsome_sessions s JOIN authsome_users u ON u.id = s.user_id
    WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL
    LIMIT 1`,
};

function sessionWithUser([row]: Record<string, unknown>[]): SessionWithUser | null {
  return row ? { session: mapRow(sessions, row, "s_"), user: mapRow(users, row, "u_") } : null;
}

export class PgSessionsStore implements SessionsStore {
  private readonly db: AnyPgDatabase;

  constructor(private readonly statements: StatementTarget) {
    this.db = statements.db;
  }

  async create(input: NewSession, effects: SessionCreationEffects = {}): Promise<Session> {
    const { audit, resetRateLimitKey } = effects;
    if (!audit && !resetRateLimitKey) return (await this.db.insert(sessions).values(input).returning())[0] as Session;
    // One prepared statement for the session and its side effects: a sign-in pays one round trip, not three.
    const [row] = await runStatement(this.statements, createWithEffects, [
      input.id ?? (sessions.id.defaultFn?.() as string),
      input.appId,
      input.envId,
      input.userId,
      input.orgId ?? null,
      input.tokenHash,
      input.refreshTokenHash,
      input.familyId,
      input.ipAddress ?? "",
      input.userAgent ?? "",
      input.deviceId ?? null,
      input.impersonatedBy ?? null,
      input.expiresAt,
      input.refreshExpiresAt,
      newAuditId(),
      audit?.type ?? "",
      audit?.ipAddress ?? "",
      audit?.userAgent ?? "",
      JSON.stringify({ ...audit?.metadata }),
      audit?.at ?? new Date(0),
      audit !== undefined,
      resetRateLimitKey ?? null,
    ]);
    return mapRow(sessions, row as Record<string, unknown>);
  }

  findByTokenHash(tokenHash: string, now: Date): Promise<SessionWithUser | null> {
    // The hot path: one indexed lookup on token_hash joined to the live user, and no write.
    return runStatement(this.statements, sessionCheck, [tokenHash, now]).then(sessionWithUser);
  }

  async findByRefreshTokenHash(refreshTokenHash: string, now: Date): Promise<Session | null> {
    const [row] = await this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.refreshTokenHash, refreshTokenHash), gt(sessions.refreshExpiresAt, now)))
      .limit(1);
    return row ?? null;
  }

  async findById(id: string): Promise<Session | null> {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
    return row ?? null;
  }

  async listByUser(userId: string, now: Date, request: PageRequest = {}): Promise<Page<Session>> {
    const page = keyset(sessions.id, request);
    const rows = await this.db
      .select()
      .from(sessions)
      .where(allOf(eq(sessions.userId, userId), gt(sessions.refreshExpiresAt, now), page.after))
      .orderBy(page.orderBy)
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  async rotate(r: SessionRotation): Promise<Session | null> {
    // One statement, so the swap and the record of the retired token are atomic. Concurrent rotations of one
    // token queue on the row lock; once the winner commits, the others re-check `refresh_token_hash` against the
    // new row version and match nothing. The retired hash is kept until the family's (new) refresh expiry.
    const onlySession = r.sessionId === undefined ? sql`` : sql` AND id = ${r.sessionId}`;
    const onlyApp = r.appId === undefined ? sql`` : sql` AND app_id = ${r.appId}`;
    const onlyEnv = r.envId === undefined ? sql`` : sql` AND env_id = ${r.envId}`;
    const result = await this.db.execute(sql`
      WITH rotated AS (
        UPDATE authsome_sessions
        SET token_hash = ${r.newTokenHash}, refresh_token_hash = ${r.newRefreshTokenHash},
            expires_at = ${r.expiresAt}, refresh_expires_at = ${r.refreshExpiresAt}, updated_at = ${r.now}
        WHERE refresh_token_hash = ${r.refreshTokenHash} AND refresh_expires_at > ${r.now}${onlySession}${onlyApp}${onlyEnv}
        RETURNING *
      ), retired AS (
        INSERT INTO authsome_revoked_refresh_tokens (token_hash, app_id, family_id, reason, revoked_at, expires_at)
        SELECT ${r.refreshTokenHash}, app_id, family_id, 'rotated', ${r.now}, refresh_expires_at FROM rotated
        ON CONFLICT (token_hash) DO NOTHING
      )
      SELECT * FROM rotated`);
    const [row] = rowsOf(result);
    return row ? mapRow(sessions, row) : null;
  }

  revoke(id: string, reason: RefreshRevocationReason, now: Date, audit?: SessionAudit): Promise<boolean> {
    return this.revokeWhere(sql`id = ${id}`, reason, now, audit).then((count) => count > 0);
  }

  revokeByUser(userId: string, reason: RefreshRevocationReason, now: Date, exceptId?: string): Promise<number> {
    const except = exceptId === undefined ? sql`` : sql` AND id <> ${exceptId}`;
    return this.revokeWhere(sql`user_id = ${userId}${except}`, reason, now);
  }

  evictOldest(userId: string, keep: number, now: Date): Promise<number> {
    return this.revokeWhere(
      sql`user_id = ${userId} AND id NOT IN (
        SELECT id FROM authsome_sessions WHERE user_id = ${userId} AND refresh_expires_at > ${now}
        ORDER BY created_at DESC, id DESC LIMIT ${keep})`,
      "evicted",
      now,
    );
  }

  revokeFamily(familyId: string, reason: RefreshRevocationReason, now: Date): Promise<number> {
    return this.revokeWhere(sql`family_id = ${familyId}`, reason, now);
  }

  /**
   * Deletes the matching sessions and records their refresh hashes as revoked — and optionally one audit event per
   * deleted session — in one statement.
   */
  private async revokeWhere(condition: SQL, reason: RefreshRevocationReason, now: Date, audit?: SessionAudit): Promise<number> {
    const logged = audit ? sql`, logged AS (${auditFrom("gone", audit, now)})` : sql``;
    const result = await this.db.execute(sql`
      WITH gone AS (
        DELETE FROM authsome_sessions WHERE ${condition}
        RETURNING id, refresh_token_hash, app_id, env_id, user_id, family_id, refresh_expires_at
      ), recorded AS (
        INSERT INTO authsome_revoked_refresh_tokens (token_hash, app_id, family_id, reason, revoked_at, expires_at)
        SELECT refresh_token_hash, app_id, family_id, ${reason}, ${now}, refresh_expires_at FROM gone
        ON CONFLICT (token_hash) DO NOTHING
      )${logged}
      SELECT count(*)::int AS n FROM gone`);
    return Number(rowsOf(result)[0]?.n ?? 0);
  }

  async purgeExpired(now: Date): Promise<number> {
    const rows = await this.db
      .delete(sessions)
      .where(lte(sessions.refreshExpiresAt, now))
      .returning({ id: sessions.id });
    return rows.length;
  }
}

/** A new session with, optionally, its audit event ($21) and the reset of one rate-limit counter ($22). */
const createWithEffects: Statement = {
  name: "authsome_session_create",
  text: `WITH created AS (
      INSERT INTO authsome_sessions (id, app_id, env_id, user_id, org_id, token_hash, refresh_token_hash, family_id,
                                     ip_address, user_agent, device_id, impersonated_by, expires_at, refresh_expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
      RETURNING *
    ), logged AS (
      INSERT INTO authsome_audit_events (id, app_id, env_id, user_id, type, ip_address, user_agent, metadata, created_at)
      SELECT $15, app_id, env_id, user_id, $16, $17, $18, $19::jsonb || jsonb_build_object('sessionId', id), $20
      FROM created WHERE $21
    ), reset AS (
      DELETE FROM authsome_rate_limits WHERE key = $22
    )
    SELECT * FROM created`,
};

/** An id for an audit row written by raw SQL (the schema's default lives in JavaScript). */
function newAuditId(): string {
  return auditEvents.id.defaultFn?.() as string;
}

/** Appends one audit event for the (first) session row of the CTE `source`, with the session id in its metadata. */
function auditFrom(source: "created" | "gone", audit: SessionAudit, at: Date): SQL {
  return sql`
    INSERT INTO authsome_audit_events (id, app_id, env_id, user_id, type, ip_address, user_agent, metadata, created_at)
    SELECT ${newAuditId()}, app_id, env_id, user_id, ${audit.type}, ${audit.ipAddress}, ${audit.userAgent},
           ${JSON.stringify({ ...audit.metadata })}::jsonb || jsonb_build_object('sessionId', id), ${at}
    FROM ${sql.raw(source)} LIMIT 1`;
}
