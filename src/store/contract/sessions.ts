import type { Stamped } from "./stamped.js";
import type { RefreshRevocationReason, revokedRefreshTokens, sessions } from "../../schema/sessions.js";
import type { Page, PageRequest } from "./pages.js";
import type { TenantScope } from "./tenant.js";
import type { User } from "./users.js";

export type Session = typeof sessions.$inferSelect;
/** `method`, `orgId`, `deviceId` and `impersonatedBy` are optional ('' / null). */
export type NewSession = Omit<typeof sessions.$inferInsert, "createdAt" | "updatedAt"> & Stamped;
export type RevokedRefreshToken = typeof revokedRefreshTokens.$inferSelect;

export interface SessionWithUser {
  session: Session;
  user: User;
}

/** What a refresh-token rotation replaces. */
export interface SessionRotation {
  /** Only this session rotates. */
  sessionId?: string;
  /** The refresh token hash presented: the rotation happens only if it is still the session's current one. */
  refreshTokenHash: string;
  newTokenHash: string;
  newRefreshTokenHash: string;
  expiresAt: Date;
  refreshExpiresAt: Date;
  now: Date;
}

/** An event recorded together with a session change (app, environment and user come from the session). */
export interface SessionAudit {
  type: string;
  ipAddress: string;
  userAgent: string;
  metadata?: Record<string, unknown>;
}

/** What `sessions.create` may do in the same statement, so a sign-in costs one round trip for all of it. */
export interface SessionCreationEffects {
  /** Records this event for the new session's user, at `at`. */
  audit?: SessionAudit & { at: Date };
  /** Deletes these `authsome_rate_limits` rows (e.g. the account's failed sign-in counters after a success). */
  resetRateLimitKeys?: readonly string[];
  /**
   * Consumes this open ceremony of the session's tenant (a sign-in ticket) in the same statement: the session is
   * written only if the ceremony was still there, else `create` throws ConflictError `ceremony_consumed` and writes
   * nothing.
   */
  consumeCeremony?: { kind: string; keyHash: string };
}

export interface SessionsStore {
  /**
   * The input carries the tenant. With effects, one statement writes the session and them.
   * @throws ConflictError `ceremony_consumed` when `effects.consumeCeremony` names a ceremony no longer open.
   */
  create(input: NewSession, effects?: SessionCreationEffects): Promise<Session>;
  /**
   * The session check: one statement, the unexpired session by access-token hash joined to its live user.
   * Unscoped on purpose — the hottest path, measured: the caller compares the joined session's app and environment
   * with its tenant and treats another's as unknown.
   */
  findByTokenHash(tokenHash: string, now: Date): Promise<SessionWithUser | null>;
  /** The tenant's session whose current refresh token this is, while its refresh window is open. */
  findByRefreshTokenHash(scope: TenantScope, refreshTokenHash: string, now: Date): Promise<Session | null>;
  findById(scope: TenantScope, id: string): Promise<Session | null>;
  /** A user's sessions whose refresh window is open at `now`, newest first. */
  listByUser(userId: string, now: Date, page?: PageRequest): Promise<Page<Session>>;
  /**
   * Compare-and-swap rotation in one statement: replaces both token hashes and expiries if (and only if) the
   * presented refresh token is still current and unexpired and the session is the tenant's, and records the old
   * refresh hash as revoked (`rotated`, kept until the old refresh expiry). Returns the updated session, or `null`
   * when another rotation won or the token is unknown, expired or another tenant's.
   */
  rotate(scope: TenantScope, rotation: SessionRotation): Promise<Session | null>;
  /**
   * Deletes one of the tenant's sessions, recording its refresh hash as revoked — and, with `audit`, recording that
   * event for the session's user in the same statement. Returns whether it existed.
   */
  revoke(scope: TenantScope, id: string, reason: RefreshRevocationReason, now: Date, audit?: SessionAudit): Promise<boolean>;
  /** Deletes every session of a user except `exceptId`, recording their refresh hashes; returns how many. */
  revokeByUser(userId: string, reason: RefreshRevocationReason, now: Date, exceptId?: string): Promise<number>;
  /** Keeps the user's `keep` newest live sessions and deletes the rest (recorded as `evicted`); returns how many went. */
  evictOldest(userId: string, keep: number, now: Date): Promise<number>;
  /**
   * Deletes every session of a token family, recording their refresh hashes; returns how many. The family id comes
   * from a record the caller found in its tenant (`revokedRefreshTokens.findByTokenHash`).
   */
  revokeFamily(familyId: string, reason: RefreshRevocationReason, now: Date): Promise<number>;
  /** Deletes sessions whose refresh window closed before `now`, in every tenant; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

/** Retired refresh-token hashes; the table has an app but no environment, so the scope is the app id. */
export interface RevokedRefreshTokensStore {
  findByTokenHash(appId: string, tokenHash: string): Promise<RevokedRefreshToken | null>;
  /** Records a replay; true only for the first replay of this hash (so alerts fire once). */
  markReplayed(appId: string, tokenHash: string): Promise<boolean>;
  /** Drops records whose family's refresh expiry has passed; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
