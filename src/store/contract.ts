// The Store contract: everything the engine needs from persistence, as typed domain objects. PostgresStore
// (store/postgres) is its one implementation. Conventions every sub-store follows:
// - a lookup that finds nothing returns `null`; an update or delete of a row that must exist throws
//   NotFoundError `not_found`;
// - unique violations throw ConflictError with the field's code (`email_taken`, `username_taken`, `slug_taken`,
//   else `conflict`); a missing referenced row throws ValidationError `invalid_reference`; a lost connection
//   throws UnavailableError `unavailable`; nothing else of the driver escapes (other failures are
//   AuthsomeError `internal_error` with the original only as `cause`);
// - ids are generated (TypeIDs) when not given; `createdAt`/`updatedAt` are maintained;
// - expiry is decided against the `now` the caller passes, never the database clock;
// - tokens and codes are passed and looked up as their SHA-256 hex hashes, never in the clear.
import type {
  apps,
  appSessionConfigs,
  auditEvents,
  environments,
  notifications,
  passwordResets,
  revokedRefreshTokens,
  rolePermissions,
  roles,
  sessions,
  userRoles,
  users,
  verifications,
} from "../schema/index.js";
import type { MigrationGroup } from "../migrate/groups.js";
import type { AuthsomeError } from "../errors.js";
import type { AnyPgDatabase, MigrateResult } from "../migrate/runner.js";
import type { RefreshRevocationReason } from "../schema/sessions.js";

export type User = typeof users.$inferSelect;
export type NewUser = Omit<typeof users.$inferInsert, "createdAt" | "updatedAt" | "deletedAt">;
export type UserPatch = Partial<
  Pick<
    User,
    | "email"
    | "emailVerified"
    | "firstName"
    | "lastName"
    | "image"
    | "username"
    | "displayUsername"
    | "phone"
    | "phoneVerified"
    | "banned"
    | "banReason"
    | "banExpires"
    | "metadata"
  >
>;

export type Session = typeof sessions.$inferSelect;
export type NewSession = Omit<typeof sessions.$inferInsert, "createdAt" | "updatedAt">;
export type RevokedRefreshToken = typeof revokedRefreshTokens.$inferSelect;
export type Verification = typeof verifications.$inferSelect;
export type NewVerification = Omit<typeof verifications.$inferInsert, "createdAt" | "attempts" | "consumedAt">;
export type PasswordReset = typeof passwordResets.$inferSelect;
export type NewPasswordReset = Omit<typeof passwordResets.$inferInsert, "createdAt" | "consumedAt">;
export type App = typeof apps.$inferSelect;
export type NewApp = Omit<typeof apps.$inferInsert, "createdAt" | "updatedAt">;
export type AppPatch = Partial<Pick<App, "name" | "slug" | "logo" | "metadata" | "publishableKey">>;
export type Environment = typeof environments.$inferSelect;
export type NewEnvironment = Omit<typeof environments.$inferInsert, "createdAt" | "updatedAt" | "isDefault">;
export type EnvironmentPatch = Partial<Pick<Environment, "name" | "slug" | "color" | "description" | "settings" | "metadata">>;
export type AppSessionConfig = typeof appSessionConfigs.$inferSelect;
export type AppSessionConfigValues = Partial<
  Pick<
    AppSessionConfig,
    "tokenTtlSeconds" | "refreshTokenTtlSeconds" | "maxActiveSessions" | "rotateRefreshToken" | "bindToIp" | "bindToDevice"
  >
>;
export type Notification = typeof notifications.$inferSelect;
export type NewNotification = Omit<typeof notifications.$inferInsert, "createdAt">;
export type Role = typeof roles.$inferSelect;
export type NewRole = Omit<typeof roles.$inferInsert, "createdAt" | "updatedAt">;
export type RolePatch = Partial<Pick<Role, "name" | "slug" | "description" | "parentId">>;
export type RolePermission = typeof rolePermissions.$inferSelect;
export type UserRole = typeof userRoles.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, "createdAt"> & { createdAt?: Date };

/** A page of a keyset-paginated list, newest first. */
export interface Page<T> {
  items: T[];
  /** The id of the last item returned, when more items follow; pass it back as `cursor`. */
  nextCursor: string | null;
}

export interface PageRequest {
  /** 1–100; default 20. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface UsersStore {
  /** @throws ConflictError `email_taken` | `username_taken`; ValidationError `invalid_reference` (app/env). */
  create(input: NewUser): Promise<User>;
  findById(id: string): Promise<User | null>;
  /** Email is matched normalised (trimmed, lower-cased) within one app and environment. */
  findByEmail(appId: string, envId: string, email: string): Promise<User | null>;
  findByUsername(appId: string, envId: string, username: string): Promise<User | null>;
  /** @throws NotFoundError when no live user has this id; ConflictError as `create`. */
  update(id: string, patch: UserPatch): Promise<User>;
  /** Sets `deleted_at`; the email and username become free again. @throws NotFoundError */
  softDelete(id: string, now: Date): Promise<void>;
  /** Live users of one app environment, newest first; `emailContains` matches a substring literally. */
  list(query: { appId: string; envId: string; emailContains?: string } & PageRequest): Promise<Page<User>>;
}

export interface SessionWithUser {
  session: Session;
  user: User;
}

/** What a refresh-token rotation replaces. */
export interface SessionRotation {
  sessionId?: string;
  /** Only a session of this app and environment rotates (a token of another tenant is as good as unknown). */
  appId?: string;
  envId?: string;
  /** The refresh token hash presented: the rotation happens only if it is still the session's current one. */
  refreshTokenHash: string;
  newTokenHash: string;
  newRefreshTokenHash: string;
  expiresAt: Date;
  refreshExpiresAt: Date;
  now: Date;
}

/** An audit event recorded together with a session change (app, environment and user come from the session). */
export interface SessionAudit {
  type: string;
  ipAddress: string;
  userAgent: string;
  metadata?: Record<string, unknown>;
}

/** What `sessions.create` may do in the same statement, so a sign-in costs one round trip for all of it. */
export interface SessionCreationEffects {
  /** Appends this audit event for the new session's user, at `at`. */
  audit?: SessionAudit & { at: Date };
  /** Deletes this `authsome_rate_limits` row (e.g. the account's failed sign-in counter after a success). */
  resetRateLimitKey?: string;
}

export interface SessionsStore {
  create(input: NewSession, effects?: SessionCreationEffects): Promise<Session>;
  /** The session check: one statement, the unexpired session by access-token hash joined to its live user. */
  findByTokenHash(tokenHash: string, now: Date): Promise<SessionWithUser | null>;
  /** The session whose current refresh token this is, while its refresh window is open. */
  findByRefreshTokenHash(refreshTokenHash: string, now: Date): Promise<Session | null>;
  findById(id: string): Promise<Session | null>;
  /** A user's sessions whose refresh window is open at `now`, newest first. */
  listByUser(userId: string, now: Date, page?: PageRequest): Promise<Page<Session>>;
  /**
   * Compare-and-swap rotation in one statement: replaces both token hashes and expiries if (and only if) the
   * presented refresh token is still current and unexpired, and records the old refresh hash as revoked
   * (`rotated`, kept until the old refresh expiry). Returns the updated session, or `null` when another
   * rotation won or the token is unknown or expired.
   */
  rotate(rotation: SessionRotation): Promise<Session | null>;
  /**
   * Deletes one session, recording its refresh hash as revoked — and, when `audit` is given, appending that audit
   * event for the session's user in the same statement. Returns whether it existed.
   */
  revoke(id: string, reason: RefreshRevocationReason, now: Date, audit?: SessionAudit): Promise<boolean>;
  /** Deletes every session of a user except `exceptId`, recording their refresh hashes; returns how many. */
  revokeByUser(userId: string, reason: RefreshRevocationReason, now: Date, exceptId?: string): Promise<number>;
  /**
   * Keeps the user's `keep` newest live sessions and deletes the rest (recorded as `evicted`); returns how many went.
   */
  evictOldest(userId: string, keep: number, now: Date): Promise<number>;
  /** Deletes every session of a token family, recording their refresh hashes; returns how many. */
  revokeFamily(familyId: string, reason: RefreshRevocationReason, now: Date): Promise<number>;
  /** Deletes sessions whose refresh window closed before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface RevokedRefreshTokensStore {
  find(tokenHash: string): Promise<RevokedRefreshToken | null>;
  /** Records a replay; true only for the first replay of this hash (so alerts fire once). */
  markReplayed(tokenHash: string): Promise<boolean>;
  /** Drops records whose family's refresh expiry has passed; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface VerificationsStore {
  create(input: NewVerification): Promise<Verification>;
  /** The unconsumed, unexpired verification with this link-token hash. */
  findActiveByTokenHash(tokenHash: string, now: Date): Promise<Verification | null>;
  /** The newest unconsumed, unexpired verification of this type for the user. */
  findActiveForUser(userId: string, type: Verification["type"], now: Date): Promise<Verification | null>;
  /**
   * One statement: the live user of this address (matched normalised, in one app and environment) and its newest
   * open verification of this type (null when none). Null when no live user has the address.
   */
  findOpenForEmail(appId: string, envId: string, email: string, type: Verification["type"], now: Date): Promise<{ user: User; verification: Verification | null } | null>;
  /**
   * Counts one code attempt atomically, before the code is compared, while fewer than `maxAttempts` were made and
   * the verification is open. Returns the new count, or null when no attempt is left (or it is consumed, expired or
   * gone) — so concurrent guesses can never compare more than `maxAttempts` codes.
   */
  reserveAttempt(id: string, maxAttempts: number, now: Date): Promise<number | null>;
  /** Marks it consumed if still unconsumed and unexpired; true for exactly one caller. */
  consume(id: string, now: Date): Promise<boolean>;
  /** Consumes every open verification of this type for the user (a new one supersedes them); returns how many. */
  consumeAllForUser(userId: string, type: Verification["type"], now: Date): Promise<number>;
  /** Deletes rows with `expires_at <= now` (consumed or not); returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface PasswordResetsStore {
  create(input: NewPasswordReset): Promise<PasswordReset>;
  /**
   * Single use, atomically: returns the reset for exactly one caller while unconsumed and unexpired. With `appId`,
   * a reset of another app is left untouched and reported as unknown.
   */
  consume(tokenHash: string, now: Date, appId?: string): Promise<PasswordReset | null>;
  /** Invalidates every open reset of a user (after a reset or password change); returns how many. */
  consumeAllForUser(userId: string, now: Date): Promise<number>;
  /** Deletes rows with `expires_at <= now` (consumed or not); returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface AppsStore {
  /** @throws ConflictError `slug_taken` | `conflict` (publishable key). */
  create(input: NewApp): Promise<App>;
  findById(id: string): Promise<App | null>;
  findBySlug(slug: string): Promise<App | null>;
  findByPublishableKey(publishableKey: string): Promise<App | null>;
  /**
   * What an engine needs to serve an app, in one statement: the app (by slug or publishable key), its default
   * environment (null if it has none yet) and its session overrides (null if none).
   */
  findTenant(by: { slug: string } | { publishableKey: string }): Promise<TenantRecord | null>;
  /** @throws NotFoundError; ConflictError as `create`. */
  update(id: string, patch: AppPatch): Promise<App>;
  /** Deletes the app and, by cascade, every row that belongs to it. @throws NotFoundError */
  delete(id: string): Promise<void>;
  list(page?: PageRequest): Promise<Page<App>>;
}

export interface TenantRecord {
  app: App;
  env: Environment | null;
  sessionConfig: AppSessionConfig | null;
}

export interface EnvironmentsStore {
  /** The first environment of an app becomes its default. @throws ConflictError `slug_taken`, or `conflict` when
   *  two first environments of one app are created at the same moment. */
  create(input: NewEnvironment): Promise<Environment>;
  findById(id: string): Promise<Environment | null>;
  findBySlug(appId: string, slug: string): Promise<Environment | null>;
  findDefault(appId: string): Promise<Environment | null>;
  /** All environments of an app, oldest first (an app has a handful). */
  list(appId: string): Promise<Environment[]>;
  /** @throws NotFoundError; ConflictError `slug_taken` */
  update(id: string, patch: EnvironmentPatch): Promise<Environment>;
  /** Makes `envId` the app's only default, in one transaction. @throws NotFoundError */
  setDefault(appId: string, envId: string): Promise<Environment>;
  /** @throws NotFoundError; ValidationError `default_environment` for the default environment. */
  delete(id: string): Promise<void>;
}

export interface AppSessionConfigsStore {
  get(appId: string): Promise<AppSessionConfig | null>;
  /** Creates or replaces the app's overrides (one statement); unspecified values become NULL (inherit). */
  set(appId: string, values: AppSessionConfigValues): Promise<AppSessionConfig>;
  /** Returns whether there was one. */
  delete(appId: string): Promise<boolean>;
}

export interface NotificationsStore {
  create(input: NewNotification): Promise<Notification>;
  /** @throws NotFoundError */
  markSent(id: string, now: Date): Promise<Notification>;
  listByUser(userId: string, page?: PageRequest): Promise<Page<Notification>>;
  /** Blanks the recipient and subject of every row of the user (account deletion keeps no address); returns how many. */
  redactForUser(userId: string): Promise<number>;
}

export interface PermissionCheck {
  userId: string;
  action: string;
  resource: string;
  /** When given, roles assigned within this organization count too; app-wide roles always count. */
  orgId?: string | null;
}

export interface RolesStore {
  /** @throws ConflictError `slug_taken`; ValidationError `invalid_parent` (other app/env, or a cycle). */
  create(input: NewRole): Promise<Role>;
  findById(id: string): Promise<Role | null>;
  findBySlug(appId: string, envId: string, slug: string): Promise<Role | null>;
  list(appId: string, envId: string): Promise<Role[]>;
  /** @throws NotFoundError; ConflictError `slug_taken`; ValidationError `invalid_parent`. */
  update(id: string, patch: RolePatch): Promise<Role>;
  /** @throws NotFoundError */
  delete(id: string): Promise<void>;
  /** Idempotent: granting an existing permission returns it. @throws ValidationError `invalid_reference` (role). */
  grant(roleId: string, action: string, resource: string): Promise<RolePermission>;
  /** Returns whether it was granted. */
  revoke(roleId: string, action: string, resource: string): Promise<boolean>;
  listPermissions(roleId: string): Promise<RolePermission[]>;
  /** Idempotent. User, role and organization must belong to the same app and environment.
   *  @throws ValidationError `invalid_reference` for an unknown one or one of another tenant. */
  assign(userId: string, roleId: string, orgId?: string | null): Promise<UserRole>;
  /** Returns whether the assignment existed. */
  unassign(userId: string, roleId: string, orgId?: string | null): Promise<boolean>;
  /** Assignments of a user: app-wide ones, plus those in `orgId` when given. */
  listForUser(userId: string, orgId?: string | null): Promise<Array<UserRole & { role: Role }>>;
  /**
   * One recursive query: does any role the user holds (app-wide, or within `orgId`), or any ancestor of such a
   * role, grant `action` on `resource`? `*` as a granted action or resource matches anything.
   */
  hasPermission(check: PermissionCheck): Promise<boolean>;
}

export interface Ceremony {
  keyHash: string;
  kind: string;
  appId: string | null;
  payload: Record<string, unknown>;
  expiresAt: Date;
}

export interface CeremoniesStore {
  /** Stores one-time state under the hash of the key the client holds. @throws ConflictError `conflict` for a key hash in use. */
  put(ceremony: Ceremony): Promise<void>;
  /** Deletes and returns it if it exists, is of this kind and is unexpired: exactly one caller gets it. */
  consume(keyHash: string, kind: string, now: Date): Promise<Ceremony | null>;
  purgeExpired(now: Date): Promise<number>;
}

export interface RateLimitState {
  /** Hits in the current window, including this one. */
  count: number;
  /** When the current window ends. */
  resetAt: Date;
}

export interface RateLimitsStore {
  /** Counts a hit in a fixed window of `windowSeconds`, atomically in one statement. */
  hit(key: string, windowSeconds: number, now: Date): Promise<RateLimitState>;
  /** The current window's state without counting a hit; null when there is none or it has expired. */
  peek(key: string, now: Date): Promise<RateLimitState | null>;
  /** Forgets a key (e.g. failed sign-ins after a success). */
  reset(key: string): Promise<void>;
  purgeExpired(now: Date): Promise<number>;
}

export interface AuditEventsStore {
  append(event: NewAuditEvent): Promise<AuditEvent>;
  /** One app's events, newest first, optionally one user's or one type's (events recorded before an app was
   *  resolved have no app and are not listed here). */
  list(query: { appId: string; userId?: string; type?: string } & PageRequest): Promise<Page<AuditEvent>>;
}

/** Every sub-store, bound to one connection or one transaction. */
export interface StoreRepositories {
  /**
   * The Drizzle database these sub-stores run on — inside `transaction()`, the transaction itself — so a plugin
   * can query its own tables as part of the same unit of work.
   */
  readonly db: AnyPgDatabase;
  /**
   * Turns an error from a query a plugin ran on `db` into the store's error (the same mapping every sub-store
   * applies: conflicts, invalid references and values, unavailability — never a driver message).
   */
  mapError(err: unknown): AuthsomeError;
  /**
   * Whether hot statements run as named prepared statements (`postgresStore(db, { preparedStatements })`); a plugin's
   * own hand-written statements follow it (see `runStatement`).
   */
  readonly preparedStatements: boolean;
  readonly users: UsersStore;
  readonly sessions: SessionsStore;
  readonly revokedRefreshTokens: RevokedRefreshTokensStore;
  readonly verifications: VerificationsStore;
  readonly passwordResets: PasswordResetsStore;
  readonly apps: AppsStore;
  readonly environments: EnvironmentsStore;
  readonly appSessionConfigs: AppSessionConfigsStore;
  readonly notifications: NotificationsStore;
  readonly roles: RolesStore;
  readonly ceremonies: CeremoniesStore;
  readonly rateLimits: RateLimitsStore;
  readonly auditEvents: AuditEventsStore;
  /** Runs `fn` with the sub-stores bound to one transaction (nested calls use savepoints). */
  transaction<T>(fn: (tx: StoreRepositories) => Promise<T>): Promise<T>;
}

/** The whole store: the sub-stores plus lifecycle. */
export interface Store extends StoreRepositories {
  /** Applies the core group and the given plugin groups (see `migrate`). */
  migrate(...groups: MigrationGroup[]): Promise<MigrateResult>;
  /** @throws UnavailableError when the database cannot be reached. */
  ping(): Promise<void>;
  /** Releases the connections (ends the pool, or closes PGlite). */
  close(): Promise<void>;
}
