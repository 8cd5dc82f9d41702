import { ConflictError } from "../../errors.js";
import { stampedAt } from "./stamps.js";
import { and, eq, gt, lte, sql } from "drizzle-orm";
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
  TenantScope,
} from "../contract/index.js";
import { newEventId } from "./events.js";
import { allOf, keyset, toPage } from "./pagination.js";
import { runStatement, type Statement, type StatementTarget } from "./prepared.js";
import { mapRow, rowsOf } from "./rows.js";
import * as statements from "./session-statements.js";
import { inScope } from "./scope.js";

function sessionWithUser([row]: Record<string, unknown>[]): SessionWithUser | null {
  return row ? { session: mapRow(sessions, row, "s_"), user: mapRow(users, row, "u_") } : null;
}

/** A placeholder for the event parameters of a statement that records no event (its WHERE is false). */
const noEventAt = new Date(0);

export class PgSessionsStore implements SessionsStore {
  private readonly db: AnyPgDatabase;

  constructor(private readonly target: StatementTarget) {
    this.db = target.db;
  }

  async create(input: NewSession, effects: SessionCreationEffects = {}): Promise<Session> {
    const { audit, resetRateLimitKeys = [], consumeCeremony } = effects;
    if (!audit && resetRateLimitKeys.length === 0 && !consumeCeremony) return (await this.db.insert(sessions).values({ ...input, ...stampedAt(input) }).returning())[0] as Session;
    // One prepared statement for the session and its side effects: a sign-in pays one round trip, not three.
    const [row] = await runStatement(this.target, statements.createWithEffects, [
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
      input.method ?? "",
      input.expiresAt,
      input.refreshExpiresAt,
      ...eventParams(audit),
      audit?.at ?? noEventAt,
      audit !== undefined,
      resetRateLimitKeys,
      input.createdAt ?? audit?.at ?? null,
      consumeCeremony !== undefined,
      consumeCeremony?.keyHash ?? "",
      consumeCeremony?.kind ?? "",
    ]);
    if (!row) throw new ConflictError("ceremony_consumed", "The ceremony this session needed is no longer open");
    return mapRow(sessions, row);
  }

  findByTokenHash(tokenHash: string, now: Date): Promise<SessionWithUser | null> {
    // The hot path: one indexed lookup on token_hash joined to the live user, and no write.
    return runStatement(this.target, statements.sessionCheck, [tokenHash, now]).then(sessionWithUser);
  }

  async findByRefreshTokenHash(scope: TenantScope, refreshTokenHash: string, now: Date): Promise<Session | null> {
    const [row] = await this.db
      .select()
      .from(sessions)
      .where(
        and(
          eq(sessions.refreshTokenHash, refreshTokenHash),
          inScope(sessions, scope),
          gt(sessions.refreshExpiresAt, now),
        ),
      )
      .limit(1);
    return row ?? null;
  }

  async findById(scope: TenantScope, id: string): Promise<Session | null> {
    const [row] = await this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.id, id), inScope(sessions, scope)))
      .limit(1);
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

  async rotate(scope: TenantScope, r: SessionRotation): Promise<Session | null> {
    // One statement, so the swap and the record of the retired token are atomic. Concurrent rotations of one
    // token queue on the row lock; once the winner commits, the others re-check `refresh_token_hash` against the
    // new row version and match nothing. The retired hash is kept until the family's (new) refresh expiry.
    const onlySession = r.sessionId === undefined ? sql`` : sql` AND id = ${r.sessionId}`;
    const result = await this.db.execute(sql`
      WITH rotated AS (
        UPDATE authsome_sessions
        SET token_hash = ${r.newTokenHash}, refresh_token_hash = ${r.newRefreshTokenHash},
            expires_at = ${r.expiresAt}, refresh_expires_at = ${r.refreshExpiresAt}, updated_at = ${r.now}
        WHERE refresh_token_hash = ${r.refreshTokenHash} AND refresh_expires_at > ${r.now}
          AND app_id = ${scope.appId} AND env_id = ${scope.envId}${onlySession}
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

  revoke(scope: TenantScope, id: string, reason: RefreshRevocationReason, now: Date, audit?: SessionAudit): Promise<boolean> {
    return this.revokeWhere(statements.revokeOne, reason, now, [
      id,
      scope.appId,
      scope.envId,
      ...eventParams(audit),
      audit !== undefined,
    ]).then((count) => count > 0);
  }

  revokeByUser(userId: string, reason: RefreshRevocationReason, now: Date, exceptId?: string): Promise<number> {
    return exceptId === undefined
      ? this.revokeWhere(statements.revokeByUser, reason, now, [userId])
      : this.revokeWhere(statements.revokeByUserExcept, reason, now, [userId, exceptId]);
  }

  evictOldest(userId: string, keep: number, now: Date): Promise<number> {
    return this.revokeWhere(statements.evictOldest, "evicted", now, [userId, keep]);
  }

  revokeFamily(familyId: string, reason: RefreshRevocationReason, now: Date): Promise<number> {
    return this.revokeWhere(statements.revokeFamily, reason, now, [familyId]);
  }

  /** Runs a revocation statement (see session-statements.ts): reason and time first, then its own parameters. */
  private async revokeWhere(statement: Statement, reason: RefreshRevocationReason, now: Date, params: unknown[]): Promise<number> {
    const [row] = await runStatement(this.target, statement, [reason, now, ...params]);
    return Number(row?.n ?? 0);
  }

  async purgeExpired(now: Date): Promise<number> {
    const rows = await this.db
      .delete(sessions)
      .where(lte(sessions.refreshExpiresAt, now))
      .returning({ id: sessions.id });
    return rows.length;
  }
}

/** The parameters of an optional event (id, type, IP, user agent, metadata), blank when there is none. */
function eventParams(audit: SessionAudit | undefined): [string, string, string, string, string] {
  return [audit ? newEventId() : "", audit?.type ?? "", audit?.ipAddress ?? "", audit?.userAgent ?? "", JSON.stringify({ ...audit?.metadata })];
}
