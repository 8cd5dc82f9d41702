import { NotFoundError } from "../../errors.js";
import type { Page, PageRequest, Session, SessionWithUser, User, UserPatch } from "../../store/contract.js";
import type { EngineContext } from "../context.js";
import type { IssuedSession, RequestMeta } from "./sessions.js";

export type ProfilePatch = Pick<UserPatch, "firstName" | "lastName" | "image" | "username" | "metadata">;

export interface Introspection {
  active: boolean;
  userId?: string;
  sessionId?: string;
  appId?: string;
  expiresAt?: Date;
}

/** The core operations, in-process; the HTTP routes call the same functions. */
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
  /** Soft-deletes and anonymises the account and revokes all its sessions. */
  deleteUser(userId: string, meta: RequestMeta): Promise<void>;
  introspect(token: string): Promise<Introspection>;
  /**
   * Deletes what has expired: sessions past their refresh window, revoked refresh-token records past their family's
   * expiry, ceremonies, rate-limit and lockout counters, verifications and reset links. Call it from a scheduler
   * (any instance; it is idempotent). Returns how many rows each kind lost.
   */
  purgeExpired(): Promise<PurgeCounts>;
}

export interface PurgeCounts {
  sessions: number;
  revokedRefreshTokens: number;
  ceremonies: number;
  rateLimits: number;
  verifications: number;
  passwordResets: number;
}

export function createCoreApi(ctx: EngineContext): CoreApi {
  const { store, sessions } = ctx;
  return {
    getSession: (token) => sessions.check(token),
    refresh: (token, meta) => sessions.refresh(token, meta),
    async signOut(session, meta) {
      await sessions.signOut(session.id, meta); // one statement: revoke and audit
      await ctx.hooks.after("signOut.after", { userId: session.userId, sessionId: session.id, meta }, store);
    },
    listSessions: (userId, page) => sessions.list(userId, page),
    revokeSession: (userId, sessionId) => sessions.revoke(userId, sessionId),
    revokeOtherSessions: (userId, current) => sessions.revokeOthers(userId, current),
    async getUser(userId) {
      const user = await store.users.findById(userId);
      if (!user) throw new NotFoundError("not_found", "User not found");
      return user;
    },
    updateUser: (userId, patch) => store.users.update(userId, patch),
    async deleteUser(userId, meta) {
      const at = ctx.now();
      await store.transaction(async (tx) => {
        // Anonymise first: the soft-deleted row keeps no personal data, and its email and username are free again.
        await tx.users.update(userId, {
          email: `deleted+${userId}@invalid`,
          firstName: "",
          lastName: "",
          image: "",
          username: "",
          displayUsername: "",
          phone: "",
          metadata: {},
        });
        await tx.users.softDelete(userId, at);
        await tx.sessions.revokeByUser(userId, "logout", at);
        await ctx.audit({ type: "user.deleted", userId, meta }, tx);
      });
    },
    async purgeExpired() {
      const at = ctx.now();
      return {
        ...(await sessions.purgeExpired()),
        ceremonies: await store.ceremonies.purgeExpired(at),
        rateLimits: await store.rateLimits.purgeExpired(at),
        verifications: await store.verifications.purgeExpired(at),
        passwordResets: await store.passwordResets.purgeExpired(at),
      };
    },
    async introspect(token) {
      const found = await sessions.check(token);
      if (!found) return { active: false };
      return { active: true, userId: found.user.id, sessionId: found.session.id, appId: found.session.appId, expiresAt: found.session.expiresAt };
    },
  };
}
