import { and, eq, gt, lt, lte, sql } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { ceremonies } from "../../schema/ceremonies.js";
import { users } from "../../schema/users.js";
import type { CeremoniesStore, Ceremony, NewCeremony, SignInAnswer, SignInAnswerInput, TenantScope } from "../contract/index.js";
import { runStatement, type Statement, type StatementTarget } from "./prepared.js";
import { countHitOnConflict, ipHitCtes } from "./rate-limits.js";
import { mapRow } from "./rows.js";
import { inScope } from "./scope.js";

/**
 * An answer to a sign-in ticket, in one statement: $1 the IP key, $2 now, $3 the IP window's end, $4 whether the IP
 * is counted, $5 the IP limit; $6 the ticket's key hash, $7 app, $8 environment, $9 kind, $10 its answers, $13 its
 * purpose (null: any); $11 the account window's end, $12 whether the account is counted. Over the IP limit nothing
 * else is touched; the account's counter (the payload's `answerKeys.attempts`) is counted only for a ticket that took
 * the answer, and only while its lock (`answerKeys.lock`) is not set.
 */
const signInAnswer: Statement = {
  name: "authsome_signin_answer",
  text: `WITH ${ipHitCtes({ key: "$1", now: "$2", windowEnd: "$3", counted: "$4", limit: "$5" })}, ticket AS (
      UPDATE authsome_ceremonies SET attempts = attempts + 1
      WHERE key_hash = $6 AND app_id = $7 AND env_id = $8 AND kind = $9 AND expires_at > $2 AND attempts < $10
        AND ($13::text IS NULL OR payload->>'purpose' = $13::text)
        AND (SELECT ok FROM within_ip)
      RETURNING key_hash, kind, payload, attempts, expires_at
    ), account_lock AS (
      SELECT l.expires_at FROM authsome_rate_limits l, ticket t
      WHERE $12 AND l.key = t.payload->'answerKeys'->>'lock' AND l.expires_at > $2
    ), account AS (
      INSERT INTO authsome_rate_limits (key, hits, window_started_at, expires_at)
      SELECT t.payload->'answerKeys'->>'attempts', 1, $2, $11 FROM ticket t
      WHERE $12 AND t.payload->'answerKeys'->>'attempts' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM account_lock)
      ${countHitOnConflict}
      RETURNING hits
    )
    SELECT t.key_hash AS t_key_hash, t.kind AS t_kind, t.payload AS t_payload, t.attempts AS t_attempts,
      t.expires_at AS t_expires_at, (SELECT hits FROM account) AS account_attempts,
      (SELECT expires_at FROM account_lock) AS account_locked_until,
      ip.hits AS ip_hits, ip.expires_at AS ip_reset_at, u.*
    FROM (SELECT 1) AS one
    LEFT JOIN ticket t ON true
    LEFT JOIN authsome_users u ON u.id = t.payload->>'userId' AND u.app_id = $7 AND u.env_id = $8 AND u.deleted_at IS NULL
    LEFT JOIN ip_hit ip ON true`,
};

/**
 * A ceremony consumed inside a plugin's own statement, as `consume` does it (tenant, kind and expiry in the WHERE
 * clause; DELETE … RETURNING, so of concurrent statements exactly one gets the row): a CTE named `name` with the
 * columns `key_hash`, `kind`, `payload`, `attempts`, `expires_at`. `when` guards it (e.g. `(SELECT ok FROM within_ip)`).
 */
export function consumeCeremonyCte(p: { name: string; keyHash: string; appId: string; envId: string; kind: string; now: string; when?: string }): string {
  return `${p.name} AS (
      DELETE FROM authsome_ceremonies
      WHERE key_hash = ${p.keyHash} AND app_id = ${p.appId} AND env_id = ${p.envId} AND kind = ${p.kind} AND expires_at > ${p.now}
        ${p.when ? `AND ${p.when}` : ""}
      RETURNING key_hash, kind, payload, attempts, expires_at
    )`;
}

const asDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

const ceremonyColumns = {
  keyHash: ceremonies.keyHash,
  kind: ceremonies.kind,
  appId: ceremonies.appId,
  envId: ceremonies.envId,
  payload: ceremonies.payload,
  attempts: ceremonies.attempts,
  expiresAt: ceremonies.expiresAt,
};

/**
 * The tenant's unexpired ceremony of this kind under this key. Tenant and kind are in every WHERE clause, so presenting
 * another app's key, or an OAuth state as a WebAuthn challenge, neither succeeds nor burns the ceremony.
 */
function open(scope: TenantScope, kind: string, keyHash: string, now: Date) {
  return and(
    eq(ceremonies.keyHash, keyHash),
    inScope(ceremonies, scope),
    eq(ceremonies.kind, kind),
    gt(ceremonies.expiresAt, now),
  );
}

/** The row of a scoped query: its tenant columns (nullable in the table) are the scope's. */
function scoped<T extends { appId: string | null; envId: string | null }>(scope: TenantScope, row: T): Omit<T, "appId" | "envId"> & TenantScope {
  return { ...row, appId: scope.appId, envId: scope.envId };
}

export class PgCeremoniesStore implements CeremoniesStore {
  private readonly db: AnyPgDatabase;

  constructor(private readonly target: StatementTarget) {
    this.db = target.db;
  }

  async put(ceremony: NewCeremony): Promise<void> {
    const { keyHash, kind, appId, envId, payload, expiresAt, createdAt } = ceremony;
    await this.db.insert(ceremonies).values({ keyHash, kind, appId, envId, payload, expiresAt, ...(createdAt ? { createdAt } : {}) });
  }

  async consume(scope: TenantScope, kind: string, keyHash: string, now: Date): Promise<Ceremony | null> {
    // DELETE … RETURNING is the single-use guarantee: concurrent consumers block on the row lock, and once the
    // first commits the row is gone for the rest.
    const [row] = await this.db.delete(ceremonies).where(open(scope, kind, keyHash, now)).returning(ceremonyColumns);
    return row ? scoped(scope, row) : null;
  }

  async recordAttempt(
    scope: TenantScope,
    kind: string,
    keyHash: string,
    maxAttempts: number,
    now: Date,
  ): Promise<{ ceremony: Ceremony; attempts: number } | null> {
    // One conditional UPDATE: concurrent answers queue on the row lock and each re-checks the count once the one
    // before it commits, so no more than `maxAttempts` of them are ever counted (and get to be checked).
    const [row] = await this.db
      .update(ceremonies)
      .set({ attempts: sql`${ceremonies.attempts} + 1` })
      .where(and(open(scope, kind, keyHash, now), lt(ceremonies.attempts, maxAttempts)))
      .returning(ceremonyColumns);
    if (!row) return null;
    const ceremony = scoped(scope, row);
    return { ceremony, attempts: ceremony.attempts };
  }

  async recordSignInAnswer(input: SignInAnswerInput): Promise<SignInAnswer> {
    const { scope, now, ipLimit, accountWindowSeconds } = input;
    const ends = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    const [row] = await runStatement(this.target, signInAnswer, [
      ipLimit?.key ?? "",
      now,
      ends(ipLimit?.windowSeconds ?? 0),
      ipLimit !== null,
      ipLimit?.limit ?? 0,
      input.keyHash,
      scope.appId,
      scope.envId,
      input.kind,
      input.maxAttempts,
      ends(accountWindowSeconds ?? 0),
      accountWindowSeconds !== null,
      input.purpose,
    ]);
    const r = row as Record<string, unknown>;
    const rateLimit = r.ip_hits === null || r.ip_hits === undefined ? null : { count: Number(r.ip_hits), resetAt: asDate(r.ip_reset_at) };
    if (r.t_key_hash === null || r.t_key_hash === undefined) return { rateLimit, ticket: null };
    const attempts = Number(r.t_attempts);
    const ceremony: Ceremony = {
      keyHash: String(r.t_key_hash),
      kind: String(r.t_kind),
      ...scope,
      payload: (typeof r.t_payload === "string" ? JSON.parse(r.t_payload) : r.t_payload) as Record<string, unknown>,
      attempts,
      expiresAt: asDate(r.t_expires_at),
    };
    return {
      rateLimit,
      ticket: {
        ceremony,
        attempts,
        accountAttempts: r.account_attempts === null || r.account_attempts === undefined ? null : Number(r.account_attempts),
        accountLockedUntil: r.account_locked_until === null || r.account_locked_until === undefined ? null : asDate(r.account_locked_until),
        user: r.id === null || r.id === undefined ? null : mapRow(users, r),
      },
    };
  }

  async find(scope: TenantScope, kind: string, keyHash: string, now: Date): Promise<Ceremony | null> {
    const [row] = await this.db.select(ceremonyColumns).from(ceremonies).where(open(scope, kind, keyHash, now)).limit(1);
    return row ? scoped(scope, row) : null;
  }

  async purgeExpired(now: Date): Promise<number> {
    // `returning` rather than rowCount: the two drivers report affected rows differently.
    const rows = await this.db
      .delete(ceremonies)
      .where(lte(ceremonies.expiresAt, now))
      .returning({ keyHash: ceremonies.keyHash });
    return rows.length;
  }
}
