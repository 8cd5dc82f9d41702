import { and, count, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { defineStore, type FusedEvent, mapRow, newEventId, recordEvents, runStatement, type Statement } from "../../plugin/index.js";
import { mfaAppPolicies, mfaEnrollments, mfaRecoveryCodes } from "./schema.js";

export type MfaEnrollment = typeof mfaEnrollments.$inferSelect;

/** A recovery code as the gate keeps it with a ticket: its row and keyed hash (never the code). */
export interface StoredRecoveryCode {
  id: string;
  hash: string;
}

/** What a sign-in's gate needs, read in one statement. */
export interface GateRead {
  /** The user's TOTP enrolment, verified or not. */
  enrollment: MfaEnrollment | null;
  /** The unused recovery codes. */
  recoveryCodes: StoredRecoveryCode[];
  /** The app's policy row (`authsome_mfa_app_policies.required`), or null for none. */
  appRequires: boolean | null;
}

/** An audit event written by the same statement as a change, at `at`. */
export type TimedEvent = FusedEvent & { at: Date };

/** $1 user, $2 app: the TOTP enrolment, the unused recovery codes and the app's policy. */
const gateRead: Statement = {
  name: "authsome_mfa_gate_read",
  text: `SELECT e.*,
      (SELECT COALESCE(json_agg(json_build_object('id', c.id, 'hash', c.code_hash) ORDER BY c.id), '[]'::json)
         FROM authsome_mfa_recovery_codes c WHERE c.user_id = $1 AND c.used_at IS NULL) AS recovery_codes,
      (SELECT p.required FROM authsome_mfa_app_policies p WHERE p.app_id = $2) AS app_requires
    FROM (SELECT 1) AS one
    LEFT JOIN authsome_mfa_enrollments e ON e.user_id = $1 AND e.method = 'totp'`,
};

/**
 * Marks recovery code $1 of user $2 used at $3 — only if it is still unused — and, in the same statement, records
 * its event ($4–$11) when $12.
 */
const useRecoveryCode: Statement = {
  name: "authsome_mfa_use_recovery_code",
  text: `WITH used AS (
      UPDATE authsome_mfa_recovery_codes SET used_at = $3 WHERE id = $1 AND user_id = $2 AND used_at IS NULL
      RETURNING id, user_id
    ), ${recordEvents(
      { id: "$4", appId: "$5", envId: "$6", userId: "user_id", type: "$7", ipAddress: "$8", userAgent: "$9", metadata: "$10::jsonb", createdAt: "$11" },
      "used WHERE $12",
    )}
    SELECT id FROM used`,
};

const parseJson = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

/** The plugin's tables: enrolments (one TOTP per user), recovery codes, and the apps' policies. */
export const mfaStore = defineStore({}, function mfaQueries(repos) {
  const { db } = repos;
  return {
    /** One statement: everything the sign-in gate decides on. */
    async gateRead(userId: string, appId: string): Promise<GateRead> {
      const [row = {}] = await runStatement(repos, gateRead, [userId, appId]);
      return {
        enrollment: row.id ? mapRow(mfaEnrollments, row) : null,
        recoveryCodes: parseJson<StoredRecoveryCode[]>(row.recovery_codes ?? "[]"),
        appRequires: row.app_requires === null || row.app_requires === undefined ? null : Boolean(row.app_requires),
      };
    },

    async findEnrollment(userId: string): Promise<MfaEnrollment | null> {
      const [row] = await db.select().from(mfaEnrollments).where(and(eq(mfaEnrollments.userId, userId), eq(mfaEnrollments.method, "totp"))).limit(1);
      return row ?? null;
    },

    /**
     * A new unverified enrolment under `id`, replacing an unverified one (new id, seed and history); false — and
     * nothing written — when the user has a verified one.
     */
    async beginEnrollment(id: string, userId: string, secretSealed: string, at: Date): Promise<boolean> {
      const rows = await db
        .insert(mfaEnrollments)
        .values({ id, userId, method: "totp", secretSealed, createdAt: at, updatedAt: at })
        .onConflictDoUpdate({
          target: [mfaEnrollments.userId, mfaEnrollments.method],
          set: { id, secretSealed, lastUsedStep: null, createdAt: at, updatedAt: at },
          setWhere: isNull(mfaEnrollments.verifiedAt),
        })
        .returning({ id: mfaEnrollments.id });
      return rows.length > 0;
    },

    /** Verifies the unverified enrolment `id` with the step its first code was accepted for; false if it is gone or verified. */
    async confirmEnrollment(id: string, step: number, at: Date): Promise<boolean> {
      const rows = await db
        .update(mfaEnrollments)
        .set({ verifiedAt: at, lastUsedStep: step, updatedAt: at })
        .where(and(eq(mfaEnrollments.id, id), isNull(mfaEnrollments.verifiedAt)))
        .returning({ id: mfaEnrollments.id });
      return rows.length > 0;
    },

    /**
     * The replay guard, by compare-and-swap: records `step` on the verified enrolment `id` only if it is later than
     * every step accepted before. Concurrent requests with one code queue on the row; exactly one gets true.
     */
    async useStep(id: string, step: number, at: Date): Promise<boolean> {
      const rows = await db
        .update(mfaEnrollments)
        .set({ lastUsedStep: step, updatedAt: at })
        .where(
          and(
            eq(mfaEnrollments.id, id),
            isNotNull(mfaEnrollments.verifiedAt),
            sql`(${mfaEnrollments.lastUsedStep} IS NULL OR ${mfaEnrollments.lastUsedStep} < ${step})`,
          ),
        )
        .returning({ id: mfaEnrollments.id });
      return rows.length > 0;
    },

    /** The user's unused recovery codes. */
    async unusedRecoveryCodes(userId: string): Promise<StoredRecoveryCode[]> {
      return db
        .select({ id: mfaRecoveryCodes.id, hash: mfaRecoveryCodes.codeHash })
        .from(mfaRecoveryCodes)
        .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)))
        .orderBy(mfaRecoveryCodes.id);
    },

    /** Uses code `id` once (atomic: of concurrent uses exactly one gets true), with `event` in the same statement. */
    async useRecoveryCode(id: string, userId: string, at: Date, event: TimedEvent | null): Promise<boolean> {
      const rows = await runStatement(repos, useRecoveryCode, [
        id,
        userId,
        at,
        newEventId(),
        event?.appId ?? "",
        event?.envId ?? "",
        event?.type ?? "",
        event?.ipAddress ?? "",
        event?.userAgent ?? "",
        JSON.stringify(event?.metadata ?? {}),
        event?.at ?? at,
        event !== null,
      ]);
      return rows.length > 0;
    },

    /** Replaces every recovery code of the user with these hashes (run it in a transaction with what it belongs to). */
    async replaceRecoveryCodes(userId: string, hashes: readonly string[], at: Date): Promise<void> {
      await db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
      await db.insert(mfaRecoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash, createdAt: at })));
    },

    async countUnusedRecoveryCodes(userId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(mfaRecoveryCodes).where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
      return row?.n ?? 0;
    },

    /** Removes the user's enrolment and recovery codes; whether there was an enrolment. */
    async deleteAllByUser(userId: string): Promise<boolean> {
      await db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
      const gone = await db.delete(mfaEnrollments).where(eq(mfaEnrollments.userId, userId)).returning({ id: mfaEnrollments.id });
      return gone.length > 0;
    },

    async policyOf(appId: string): Promise<boolean | null> {
      const [row] = await db.select({ required: mfaAppPolicies.required }).from(mfaAppPolicies).where(eq(mfaAppPolicies.appId, appId)).limit(1);
      return row ? row.required : null;
    },

    /** Sets the app's policy; null removes it (the plugin's option holds again). */
    async setPolicy(appId: string, required: boolean | null, at: Date): Promise<void> {
      if (required === null) {
        await db.delete(mfaAppPolicies).where(eq(mfaAppPolicies.appId, appId));
        return;
      }
      await db
        .insert(mfaAppPolicies)
        .values({ appId, required, createdAt: at, updatedAt: at })
        .onConflictDoUpdate({ target: mfaAppPolicies.appId, set: { required, updatedAt: at } });
    },
  };
});
