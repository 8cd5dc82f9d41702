import { and, eq, gt, lt, lte, sql } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { ceremonies } from "../../schema/ceremonies.js";
import type { CeremoniesStore, Ceremony, NewCeremony, TenantScope } from "../contract/index.js";
import { inScope } from "./scope.js";

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
  constructor(private readonly db: AnyPgDatabase) {}

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

  async purgeExpired(now: Date): Promise<number> {
    // `returning` rather than rowCount: the two drivers report affected rows differently.
    const rows = await this.db
      .delete(ceremonies)
      .where(lte(ceremonies.expiresAt, now))
      .returning({ keyHash: ceremonies.keyHash });
    return rows.length;
  }
}
