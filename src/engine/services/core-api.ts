import { AuthenticationError, ForbiddenError, invalidRequest, NotFoundError } from "../../errors.js";
import type { App, Page, PageRequest, Session, SessionWithUser, User, UserPatch } from "../../store/contract/index.js";
import { slugShape } from "../config.js";
import type { EngineContext } from "../context.js";
import { type Duration, durationSeconds } from "../duration.js";
import { newPublishableKey } from "../tenants.js";
import type { RequestMeta } from "../request-meta.js";
import type { IssuedSession } from "./sessions.js";

export type ProfilePatch = Pick<UserPatch, "firstName" | "lastName" | "image" | "username" | "metadata">;

export interface Introspection {
  active: boolean;
  userId?: string;
  sessionId?: string;
  appId?: string;
  expiresAt?: Date;
}

/** An app's session overrides; a setting left out inherits the engine's config. */
export interface AppSessionOverrides {
  tokenTTL?: Duration;
  refreshTokenTTL?: Duration;
  /** Sign-ins beyond this many live sessions of one user evict the oldest. */
  maxActiveSessions?: number;
}

/**
 * The core operations, in-process; the HTTP routes call the same functions. Each acts for the configured app, or for
 * the one selected by `auth.withApp` (over HTTP: the `X-Publishable-Key` header).
 */
export interface CoreApi {
  /** The session check. `null` for an invalid, expired or revoked token. */
  getSession(sessionToken: string): Promise<SessionWithUser | null>;
  /** @throws AuthenticationError `invalid_refresh_token` | `refresh_token_reused` */
  refresh(refreshToken: string, meta: RequestMeta): Promise<IssuedSession>;
  signOut(session: Session, meta: RequestMeta): Promise<void>;
  listSessions(userId: string, page?: PageRequest): Promise<Page<Session>>;
  /** @throws NotFoundError for a session that is not the user's */
  revokeSession(userId: string, sessionId: string): Promise<void>;
  revokeOtherSessions(userId: string, currentSessionId: string): Promise<number>;
  /** @throws NotFoundError */
  getUser(userId: string): Promise<User>;
  /** @throws NotFoundError; ConflictError `username_taken` */
  updateUser(userId: string, patch: ProfilePatch): Promise<User>;
  /**
   * Soft-deletes and anonymises the account, removes its credentials (every plugin's `deleteUser.before`) and
   * revokes all its sessions. An administrative call: it asks for no proof (see `deleteOwnAccount`).
   */
  deleteUser(userId: string, meta: RequestMeta): Promise<void>;
  /**
   * `DELETE /me`: deletes the caller's own account after proof of identity — the password for an account that has
   * one, else a session signed in within the last 5 minutes.
   * @throws ForbiddenError `reauthentication_required`; AuthenticationError `invalid_credentials` for a wrong password
   */
  deleteOwnAccount(auth: SessionWithUser, proof: { password?: string }, meta: RequestMeta): Promise<void>;
  introspect(token: string): Promise<Introspection>;
  /**
   * Deletes what has expired: sessions past their refresh window, revoked refresh-token records past their family's
   * expiry, ceremonies, rate-limit and lockout counters, verifications and reset links. Call it from a scheduler
   * (any instance; it is idempotent). Returns how many rows each kind lost.
   */
  purgeExpired(): Promise<PurgeCounts>;
  /**
   * Registers another app (multi-app deployments) with a default `production` environment and a fresh publishable
   * key (`pk_live_…`, public: it only names the app). @throws ConflictError `slug_taken`; ValidationError
   */
  createApp(input: { name: string; slug: string; session?: AppSessionOverrides }): Promise<App>;
  /** Replaces an app's session overrides (`null` removes them); applies at once on this instance. @throws NotFoundError */
  setAppSessionConfig(appId: string, overrides: AppSessionOverrides | null): Promise<void>;
  /** Issues a new publishable key; the old one stops resolving. @throws NotFoundError */
  rotatePublishableKey(appId: string): Promise<App>;
}

/** Rows each kind lost; plugins' purges (`ctx.lifecycle.onPurge`) add their own names. */
export interface PurgeCounts {
  [kind: string]: number;
  sessions: number;
  revokedRefreshTokens: number;
  ceremonies: number;
  rateLimits: number;
  verifications: number;
  passwordResets: number;
}

/** How recent a sign-in proves identity for a sensitive operation when the account has no password. */
export const reauthenticationWindowSeconds = 5 * 60;

function overrideValues(overrides: AppSessionOverrides) {
  const seconds = (value: Duration | undefined, field: string) => {
    if (value === undefined) return null;
    try {
      return durationSeconds(value, field);
    } catch {
      throw invalidRequest({ [field]: 'must be a positive duration like 900, "15m", "1h" or "30d"' });
    }
  };
  const max = overrides.maxActiveSessions;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1)) {
    throw invalidRequest({ maxActiveSessions: "must be a whole number of at least 1" });
  }
  return {
    tokenTtlSeconds: seconds(overrides.tokenTTL, "tokenTTL"),
    refreshTokenTtlSeconds: seconds(overrides.refreshTokenTTL, "refreshTokenTTL"),
    maxActiveSessions: max ?? null,
  };
}

/** The counts `purgeExpired` reports for the core's own tables (a plugin's purge may not take these names). */
export const corePurgeCounts: readonly string[] = ["sessions", "revokedRefreshTokens", "ceremonies", "rateLimits", "verifications", "passwordResets"];

/** A plugin's purge of its expired rows (see `PluginLifecycle.onPurge`). */
export type PurgeContribution = [name: string, purge: (now: Date) => Promise<number>];

export function createCoreApi(ctx: EngineContext, purges: readonly PurgeContribution[] = []): CoreApi {
  const { store, sessions } = ctx;

  /** A live user of the current app and environment; any other is unknown here. */
  async function ownUser(userId: string): Promise<User> {
    const user = await store.users.findById(ctx.scope(), userId);
    if (!user) throw new NotFoundError("not_found", "User not found");
    return user;
  }

  async function mustHaveApp(appId: string): Promise<void> {
    if (!(await store.apps.findById(appId))) throw new NotFoundError("not_found", "App not found");
  }

  async function purgeContributions(at: Date): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const [name, purge] of purges) counts[name] = (counts[name] ?? 0) + (await purge(at));
    return counts;
  }

  async function deleteUser(userId: string, meta: RequestMeta): Promise<void> {
    const user = await ownUser(userId);
    const at = ctx.now();
    const scope = { appId: user.appId, envId: user.envId };
    await store.transaction(async (tx) => {
      // Plugins first (a throw aborts before anything is written), then anonymise: the soft-deleted row keeps no
      // personal data, and its email and username are free again.
      await ctx.hooks.before("deleteUser.before", { user, meta }, tx);
      await tx.users.update(scope, userId, {
        email: `deleted+${userId}@invalid`,
        firstName: "",
        lastName: "",
        image: "",
        username: "",
        displayUsername: "",
        phone: "",
        metadata: {},
      }, at);
      await tx.users.softDelete(scope, userId, at);
      await tx.sessions.revokeByUser(userId, "logout", at);
      await tx.verifications.consumeAllForUser(userId, "email", at);
      await tx.passwordResets.consumeAllForUser(userId, at);
      await tx.notifications.redactForUser(userId);
      await ctx.events.emit("user.deleted", { userId, meta }, tx);
    });
  }

  return {
    getSession: (token) => sessions.check(token),
    refresh: (token, meta) => sessions.refresh(token, meta),
    async signOut(session, meta) {
      await sessions.signOut(session.id, meta); // one statement: revoke and audit
      await ctx.hooks.after("signOut.after", { userId: session.userId, sessionId: session.id, meta }, store);
    },
    // A user of another app or environment is unknown here (404), like every other call of this API.
    async listSessions(userId, page) {
      await ownUser(userId);
      return sessions.list(userId, page);
    },
    revokeSession: (userId, sessionId) => sessions.revoke(userId, sessionId),
    async revokeOtherSessions(userId, current) {
      await ownUser(userId);
      return sessions.revokeOthers(userId, current);
    },
    getUser: ownUser,
    async updateUser(userId, patch) {
      const user = await ownUser(userId);
      return store.users.update({ appId: user.appId, envId: user.envId }, userId, patch, ctx.now());
    },
    deleteUser,
    async deleteOwnAccount({ user, session }, proof, meta) {
      const withCredential = [];
      for (const credential of ctx.reauthenticators) if (await credential.has(user)) withCredential.push(credential);
      if (withCredential.length > 0) {
        if (proof.password === undefined) {
          throw new ForbiddenError("reauthentication_required", "Confirm the deletion with your password", { details: { fields: { password: "is required" } } });
        }
        // Guessing the password from a stolen session is limited like sign-in: per IP, and by the account's lockout.
        await ctx.protection.limit("reauthenticate", meta);
        await ctx.protection.countReauthentication(user);
        let proven = false;
        for (const credential of withCredential) proven ||= await credential.verify(user, proof);
        if (!proven) {
          await ctx.events.emit("user.delete_failed", { userId: user.id, meta });
          throw new AuthenticationError("invalid_credentials", "The password is incorrect", { details: { fields: { password: "is incorrect" } } });
        }
      } else if (ctx.now().getTime() - session.createdAt.getTime() > reauthenticationWindowSeconds * 1000) {
        throw new ForbiddenError("reauthentication_required", "Sign in again (within the last 5 minutes) to delete this account");
      }
      await deleteUser(user.id, meta);
    },
    async purgeExpired() {
      const at = ctx.now();
      return {
        ...(await sessions.purgeExpired()),
        ceremonies: await store.ceremonies.purgeExpired(at),
        rateLimits: await store.rateLimits.purgeExpired(at),
        verifications: await store.verifications.purgeExpired(at),
        passwordResets: await store.passwordResets.purgeExpired(at),
        ...(await purgeContributions(at)),
      };
    },
    async createApp(input) {
      if (!slugShape.test(input.slug)) {
        throw invalidRequest({ slug: "must be a slug (lowercase letters, digits, dashes)" });
      }
      const name = input.name.trim();
      if (!name || name.length > 200) throw invalidRequest({ name: "must be 1 to 200 characters" });
      const values = input.session ? overrideValues(input.session) : null;
      return store.transaction(async (tx) => {
        const at = ctx.now();
        const app = await tx.apps.create({ name, slug: input.slug, publishableKey: newPublishableKey(ctx.random), createdAt: at });
        await tx.environments.create({ appId: app.id, name: "Production", slug: "production", type: "production", createdAt: at });
        if (values) await tx.appSessionConfigs.set(app.id, values, ctx.now());
        return app;
      });
    },
    async setAppSessionConfig(appId, overrides) {
      if (overrides === null) {
        await mustHaveApp(appId);
        await store.appSessionConfigs.deleteByAppId(appId);
      } else {
        const values = overrideValues(overrides);
        await mustHaveApp(appId);
        await store.appSessionConfigs.set(appId, values, ctx.now());
      }
      await ctx.tenants.forget(appId);
    },
    async rotatePublishableKey(appId) {
      const app = await store.apps.update(appId, { publishableKey: newPublishableKey(ctx.random) }, ctx.now());
      await ctx.tenants.forget(appId);
      return app;
    },
    async introspect(token) {
      const found = await sessions.check(token);
      if (!found) return { active: false };
      return { active: true, userId: found.user.id, sessionId: found.session.id, appId: found.session.appId, expiresAt: found.session.expiresAt };
    },
  };
}
