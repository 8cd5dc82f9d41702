import { and, eq, getTableColumns, isNull } from "drizzle-orm";
import {
  consumeCeremonyCte,
  defineStore,
  type FusedEvent,
  ipHitCtes,
  keyset,
  type LimitSpec,
  mapRow,
  newEventId,
  type Page,
  type PageRequest,
  recordEvents,
  runStatement,
  type Statement,
  toPage,
  type User,
} from "../../plugin/index.js";
import { users } from "../../schema/users.js";
import { passkeys } from "./schema.js";

export type StoredPasskey = typeof passkeys.$inferSelect;
export type NewPasskey = Omit<typeof passkeys.$inferInsert, "id" | "lastUsedAt" | "flaggedAt" | "updatedAt">;

/** What a login's first statement found: the client's per-IP count, the challenge (once), the credential and its user. */
export interface LoginLookup {
  rateLimit: { count: number; resetAt: Date } | null;
  /** The login ceremony's payload, consumed by this statement; null when it was unknown, expired, used or over the limit. */
  ceremony: Record<string, unknown> | null;
  /** The app's credential of that id, found only with the ceremony. */
  passkey: StoredPasskey | null;
  /** Its live user in the current environment. */
  user: User | null;
}

/** Every column of the table, aliased `pk_<column>` (for `mapRow(passkeys, row, "pk_")` beside the user's columns). */
const passkeyColumns = Object.values(getTableColumns(passkeys))
  .map(({ name }) => `p.${name} AS pk_${name}`)
  .join(", ");

/**
 * A passkey login's first statement: $1 the IP key, $2 now, $3 its window's end, $4 whether the IP is counted, $5 the
 * IP limit; the login ceremony ($6 key hash, $7 app, $8 environment, $9 kind) consumed — only within the IP limit —
 * and, with it, the app's credential $10 and its live user. Over the limit nothing is consumed or read.
 */
const loginLookup: Statement = {
  name: "authsome_passkey_login_lookup",
  text: `WITH ${ipHitCtes({ key: "$1", now: "$2", windowEnd: "$3", counted: "$4", limit: "$5" })}, ${consumeCeremonyCte({
    name: "ceremony",
    keyHash: "$6",
    appId: "$7",
    envId: "$8",
    kind: "$9",
    now: "$2",
    when: "(SELECT ok FROM within_ip)",
  })}
    SELECT c.payload AS c_payload, ${passkeyColumns}, u.*, ip.hits AS ip_hits, ip.expires_at AS ip_reset_at
    FROM (SELECT 1) AS one
    LEFT JOIN ceremony c ON true
    LEFT JOIN authsome_passkeys p ON c.key_hash IS NOT NULL AND p.app_id = $7 AND p.credential_id = $10
    LEFT JOIN authsome_users u ON u.id = p.user_id AND u.app_id = $7 AND u.env_id = $8 AND u.deleted_at IS NULL
    LEFT JOIN ip_hit ip ON true`,
};

/**
 * A verified assertion's use of credential $1: the sign counter $2 (compare-and-swap: only forward, or 0 for an
 * authenticator that keeps none), backup state $3, last use $4 — unless the credential was flagged — and its
 * `passkey.used` event ($5–$11) in the same statement.
 */
const recordUse: Statement = {
  name: "authsome_passkey_record_use",
  text: `WITH used AS (
      UPDATE authsome_passkeys SET counter = $2, backed_up = $3, last_used_at = $4, updated_at = $4
      WHERE id = $1 AND flagged_at IS NULL AND (counter < $2 OR ($2 = 0 AND counter = 0))
      RETURNING id, user_id
    ), ${recordEvents(
      { id: "$5", appId: "$6", envId: "$7", userId: "user_id", type: "$8", ipAddress: "$9", userAgent: "$10", metadata: "$11::jsonb", createdAt: "$4" },
      "used",
    )}
    SELECT id FROM used`,
};

const parseJson = (value: unknown): Record<string, unknown> | null =>
  value === null || value === undefined ? null : ((typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>);

/** The plugin's table: every credential belongs to one user of one app, and every query below is scoped to it. */
export const passkeyStore = defineStore(
  { conflicts: { authsome_passkeys_app_id_credential_id_uq: { code: "passkey_exists", message: "This passkey is already registered" } } },
  function passkeyQueries(repos) {
    const { db } = repos;
    const own = (userId: string, id: string) => and(eq(passkeys.id, id), eq(passkeys.userId, userId));
    return {
      /** One statement: the per-IP hit, the login ceremony consumed (single use), the credential and its user. */
      async beginLogin(
        ceremony: { keyHash: string; appId: string; envId: string; kind: string },
        credentialId: string,
        now: Date,
        ipLimit: LimitSpec | null,
      ): Promise<LoginLookup> {
        const [row = {}] = await runStatement(repos, loginLookup, [
          ipLimit?.key ?? "",
          now,
          new Date(now.getTime() + (ipLimit?.windowSeconds ?? 0) * 1000),
          ipLimit !== null,
          ipLimit?.limit ?? 0,
          ceremony.keyHash,
          ceremony.appId,
          ceremony.envId,
          ceremony.kind,
          credentialId,
        ]);
        const rateLimit = row.ip_hits === null || row.ip_hits === undefined ? null : { count: Number(row.ip_hits), resetAt: new Date(row.ip_reset_at as string) };
        return {
          rateLimit,
          ceremony: parseJson(row.c_payload),
          passkey: row.pk_id ? mapRow(passkeys, row, "pk_") : null,
          user: row.id ? mapRow(users, row) : null,
        };
      },

      /**
       * Records a verified use of the credential (counter forward only, unless flagged) with its event; false — nothing
       * written — when the counter moved past it meanwhile or the credential was flagged.
       */
      async recordUse(id: string, use: { counter: number; backedUp: boolean; at: Date }, event: FusedEvent): Promise<boolean> {
        const rows = await runStatement(repos, recordUse, [
          id,
          use.counter,
          use.backedUp,
          use.at,
          newEventId(),
          event.appId,
          event.envId,
          event.type,
          event.ipAddress,
          event.userAgent,
          JSON.stringify(event.metadata),
        ]);
        return rows.length > 0;
      },

      /** Flags the credential (its counter went backwards); true when this call flagged it. */
      async flag(id: string, at: Date): Promise<boolean> {
        const rows = await db
          .update(passkeys)
          .set({ flaggedAt: at, updatedAt: at })
          .where(and(eq(passkeys.id, id), isNull(passkeys.flaggedAt)))
          .returning({ id: passkeys.id });
        return rows.length > 0;
      },

      /** @throws ConflictError `passkey_exists` for a credential id the app already has. */
      async insert(id: string, passkey: NewPasskey): Promise<StoredPasskey> {
        const [row] = await db
          .insert(passkeys)
          .values({ ...passkey, id, updatedAt: passkey.createdAt })
          .returning();
        return row as StoredPasskey;
      },

      /** The user's credentials as `excludeCredentials` lists them. */
      async credentialsOf(userId: string): Promise<Array<{ credentialId: string; transports: string[] }>> {
        return db.select({ credentialId: passkeys.credentialId, transports: passkeys.transports }).from(passkeys).where(eq(passkeys.userId, userId));
      },

      /** The user's credentials that still sign in (not flagged), oldest first. */
      async usableOf(userId: string): Promise<StoredPasskey[]> {
        return db.select().from(passkeys).where(and(eq(passkeys.userId, userId), isNull(passkeys.flaggedAt))).orderBy(passkeys.id);
      },

      /** A page of the user's credentials, newest first. */
      async list(userId: string, page: PageRequest = {}): Promise<Page<StoredPasskey>> {
        const { limit, after, orderBy } = keyset(passkeys.id, page);
        const rows = await db
          .select()
          .from(passkeys)
          .where(after ? and(eq(passkeys.userId, userId), after) : eq(passkeys.userId, userId))
          .orderBy(orderBy)
          .limit(limit + 1);
        return toPage(rows, limit);
      },

      async find(userId: string, id: string): Promise<StoredPasskey | null> {
        const [row] = await db.select().from(passkeys).where(own(userId, id)).limit(1);
        return row ?? null;
      },

      /** Renames the user's credential; null when the user has none of that id. */
      async rename(userId: string, id: string, name: string, at: Date): Promise<StoredPasskey | null> {
        const [row] = await db.update(passkeys).set({ name, updatedAt: at }).where(own(userId, id)).returning();
        return row ?? null;
      },

      /** Deletes the user's credential; whether there was one. */
      async delete(userId: string, id: string): Promise<boolean> {
        const gone = await db.delete(passkeys).where(own(userId, id)).returning({ id: passkeys.id });
        return gone.length > 0;
      },

      async deleteAllByUser(userId: string): Promise<void> {
        await db.delete(passkeys).where(eq(passkeys.userId, userId));
      },
    };
  },
);
