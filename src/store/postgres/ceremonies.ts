import { and, eq, gt, lte } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { ceremonies } from "../../schema/ceremonies.js";
import type { CeremoniesStore, Ceremony } from "../contract.js";

const ceremonyColumns = {
  keyHash: ceremonies.keyHash,
  kind: ceremonies.kind,
  appId: ceremonies.appId,
  payload: ceremonies.payload,
  expiresAt: ceremonies.expiresAt,
};

export class PgCeremoniesStore implements CeremoniesStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async put(ceremony: Ceremony): Promise<void> {
    const { keyHash, kind, appId, payload, expiresAt } = ceremony;
    await this.db.insert(ceremonies).values({ keyHash, kind, appId, payload, expiresAt });
  }

  async consume(keyHash: string, kind: string, now: Date): Promise<Ceremony | null> {
    // DELETE … RETURNING is the single-use guarantee: concurrent consumers block on the row lock, and once the
    // first commits the row is gone for the rest. `kind` is in the WHERE clause so that presenting, say, an OAuth
    // state as a WebAuthn challenge neither succeeds nor burns the ceremony.
    const [row] = await this.db
      .delete(ceremonies)
      .where(and(eq(ceremonies.keyHash, keyHash), eq(ceremonies.kind, kind), gt(ceremonies.expiresAt, now)))
      .returning(ceremonyColumns);
    return row ?? null;
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
