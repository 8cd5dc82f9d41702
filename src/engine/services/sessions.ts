import { AuthenticationError, NotFoundError } from "../../errors.js";
import { generateToken, hashToken, type RandomSource } from "../../crypto/tokens.js";
import type { Page, PageRequest, Session, SessionWithUser, StoreRepositories, User } from "../../store/contract/index.js";
import type { ResolvedConfig } from "../config.js";
import type { Events } from "../events.js";
import type { RequestMeta } from "../request-meta.js";
import { scopeOf, type SessionSettings, type Tenant } from "../tenants.js";


/** What a new session records, and what is written in the same statement (one round trip for a sign-in's writes). */
export interface IssueOptions {
  /** An event for the user (see `ctx.events`), with the session id added to its metadata. */
  event?: { type: string; metadata?: Record<string, unknown> };
  /** Rate-limit rows to delete, e.g. the account's failed sign-in counters. */
  resetRateLimitKeys?: readonly string[];
  /**
   * A ceremony (a sign-in ticket) to consume in the same statement: no session unless it was still open.
   * @see SessionCreationEffects.consumeCeremony
   */
  consumeCeremony?: { kind: string; keyHash: string };
  /** How the user signed in (`password`, `social:github`, `magic_link`, `passkey`, …). */
  method?: string;
  /** The organization the session acts in. */
  orgId?: string | null;
  /** The device (`authsome_devices`) it was signed in from. */
  deviceId?: string | null;
  /** The admin acting as this user (impersonation). */
  impersonatedBy?: string | null;
}

/** A session with its tokens — the only moment the raw tokens exist outside the client. */
export interface IssuedSession {
  session: Session;
  sessionToken: string;
  refreshToken: string;
}

export interface SessionServiceDeps {
  store: StoreRepositories;
  config: Pick<ResolvedConfig, "session">;
  now: () => Date;
  /** The app the current request acts for: its sessions only, with its session settings. */
  tenant: () => Tenant;
  random?: RandomSource;
  events: Events;
}

export const sessionTokenPrefix = "as_";
export const refreshTokenPrefix = "ar_";
const familyPrefix = "asfm_";

// Tokens are `<prefix><43 base64url chars>`; anything else is rejected before it costs a query.
const tokenShape = (prefix: string) => new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`);
const sessionTokenShape = tokenShape(sessionTokenPrefix);
const refreshTokenShape = tokenShape(refreshTokenPrefix);

const invalidRefresh = () => new AuthenticationError("invalid_refresh_token", "The refresh token is invalid or expired");

/**
 * Sessions: opaque prefixed tokens stored only as SHA-256 hashes; the check is one read; refresh rotates both tokens
 * by compare-and-swap and detects reuse of a retired refresh token.
 */
export function createSessionService(deps: SessionServiceDeps) {
  const { store, config, now, tenant } = deps;

  function newTokens() {
    const sessionToken = generateToken(sessionTokenPrefix, deps.random);
    const refreshToken = generateToken(refreshTokenPrefix, deps.random);
    return { sessionToken, refreshToken, tokenHash: hashToken(sessionToken), refreshTokenHash: hashToken(refreshToken) };
  }

  function expiries(at: Date, settings: SessionSettings) {
    return {
      expiresAt: new Date(at.getTime() + settings.tokenTtlSeconds * 1000),
      refreshExpiresAt: new Date(at.getTime() + settings.refreshTokenTtlSeconds * 1000),
    };
  }

  /** Whether a session belongs to the current app and environment; any other is treated as unknown. */
  function isOurs(session: { appId: string; envId: string }, current: Tenant = tenant()): boolean {
    return session.appId === current.app.id && session.envId === current.env.id;
  }

  return {
    /**
     * Starts a new sign-in (a new token family) for `user`, on `repos` (pass a transaction's to join it), with
     * `options`' event and counter reset in the same statement. When the app caps live sessions, the user's oldest
     * beyond the cap are evicted. Sign-in methods complete through `ctx.signIns.complete`, which calls this.
     */
    async issue(user: User, meta: RequestMeta, repos: StoreRepositories = store, options: IssueOptions = {}): Promise<IssuedSession> {
      if (options.event) deps.events.assertKnown(options.event.type);
      const at = now();
      const { session: settings } = tenant();
      const tokens = newTokens();
      const session = await repos.sessions.create({
        appId: user.appId,
        envId: user.envId,
        userId: user.id,
        tokenHash: tokens.tokenHash,
        refreshTokenHash: tokens.refreshTokenHash,
        familyId: generateToken(familyPrefix, deps.random),
        ipAddress: meta.ipAddress,
        userAgent: meta.userAgent,
        method: options.method ?? "",
        createdAt: at,
        orgId: options.orgId ?? null,
        deviceId: options.deviceId ?? null,
        impersonatedBy: options.impersonatedBy ?? null,
        ...expiries(at, settings),
      }, {
        ...(options.event ? { audit: { ...options.event, ipAddress: meta.ipAddress, userAgent: meta.userAgent, at } } : {}),
        ...(options.resetRateLimitKeys?.length ? { resetRateLimitKeys: options.resetRateLimitKeys } : {}),
        ...(options.consumeCeremony ? { consumeCeremony: options.consumeCeremony } : {}),
      });
      if (settings.maxActiveSessions !== null) await repos.sessions.evictOldest(user.id, settings.maxActiveSessions, at);
      return { session, sessionToken: tokens.sessionToken, refreshToken: tokens.refreshToken };
    },

    /**
     * The session check: one statement, no write. `null` for a malformed, unknown, expired or orphaned token, and
     * for a session of another app or environment.
     */
    check(sessionToken: string): Promise<SessionWithUser | null> {
      if (!sessionTokenShape.test(sessionToken)) return Promise.resolve(null);
      const current = tenant();
      return store.sessions.findByTokenHash(hashToken(sessionToken), now()).then((found) => (found && isOurs(found.session, current) ? found : null));
    },

    /**
     * Rotates both tokens. A retired refresh token presented again within `refreshReuseGrace` of its rotation lost a
     * race (two tabs refreshing at once): `invalid_refresh_token`, nothing revoked. Later it is a replay: the whole
     * family is revoked and `refresh_token_reused` is thrown.
     * @throws AuthenticationError `invalid_refresh_token` | `refresh_token_reused`
     */
    async refresh(refreshToken: string, meta: RequestMeta): Promise<IssuedSession> {
      if (!refreshTokenShape.test(refreshToken)) throw invalidRefresh();
      const at = now();
      const current = tenant();
      const presented = hashToken(refreshToken);
      const tokens = newTokens();
      const session = await store.sessions.rotate({ appId: current.app.id, envId: current.env.id }, {
        refreshTokenHash: presented,
        newTokenHash: tokens.tokenHash,
        newRefreshTokenHash: tokens.refreshTokenHash,
        ...expiries(at, current.session),
        now: at,
      });
      if (session) return { session, sessionToken: tokens.sessionToken, refreshToken: tokens.refreshToken };

      // Another app's token is unknown here (the store looks it up in this app only): it can neither be replayed nor
      // revoke that app's sessions.
      const retired = await store.revokedRefreshTokens.findByTokenHash(current.app.id, presented);
      // Only a token retired by rotation can be replayed; one of a signed-out or revoked session is simply invalid.
      if (!retired || retired.expiresAt <= at || (retired.reason !== "rotated" && retired.reason !== "replay_detected")) {
        throw invalidRefresh();
      }
      const isLostRace =
        retired.reason === "rotated" && at.getTime() - retired.revokedAt.getTime() < config.session.refreshReuseGraceSeconds * 1000;
      if (isLostRace) throw invalidRefresh();
      await store.sessions.revokeFamily(retired.familyId, "family_revocation", at);
      const firstReplay = await store.revokedRefreshTokens.markReplayed(current.app.id, presented);
      if (firstReplay) {
        await deps.events.emit("session.refresh_token_reused", { meta, metadata: { familyId: retired.familyId }, scope: { appId: retired.appId } });
      }
      throw new AuthenticationError("refresh_token_reused", "This refresh token was already used; every session of this sign-in was revoked");
    },

    /** Ends a session: its access and refresh tokens stop working at once; the audit event is written with it. */
    async signOut(sessionId: string, meta?: RequestMeta): Promise<void> {
      const audit = meta ? { type: "session.signed_out", ipAddress: meta.ipAddress, userAgent: meta.userAgent } : undefined;
      await store.sessions.revoke(scopeOf(tenant()), sessionId, "logout", now(), audit);
    },

    list(userId: string, page?: PageRequest): Promise<Page<Session>> {
      return store.sessions.listByUser(userId, now(), page);
    },

    /** Revokes one of the user's own sessions. @throws NotFoundError for another user's or an unknown session. */
    async revoke(userId: string, sessionId: string): Promise<void> {
      const scope = scopeOf(tenant());
      const session = await store.sessions.findById(scope, sessionId); // another tenant's is unknown
      if (!session || session.userId !== userId) throw new NotFoundError("not_found", "Session not found");
      await store.sessions.revoke(scope, sessionId, "logout", now());
    },

    /** Revokes every session of the user but `currentSessionId`; returns how many. */
    revokeOthers(userId: string, currentSessionId: string): Promise<number> {
      return store.sessions.revokeByUser(userId, "logout", now(), currentSessionId);
    },

    /** Deletes sessions past their refresh window and revoked-token records past their family's expiry. */
    async purgeExpired(): Promise<{ sessions: number; revokedRefreshTokens: number }> {
      const at = now();
      return {
        sessions: await store.sessions.purgeExpired(at),
        revokedRefreshTokens: await store.revokedRefreshTokens.purgeExpired(at),
      };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
