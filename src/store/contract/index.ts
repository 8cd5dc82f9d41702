// The Store contract: everything the engine needs from persistence, as typed domain objects, one file per aggregate
// (mirroring src/schema/). PostgresStore (store/postgres) is its one implementation. Rules every sub-store follows —
// a new one too:
// - Names: a lookup that may find nothing is `findBy…` (or `findActiveBy…`) and returns `null` on a miss. A list is
//   `list…(…, filter?, page?: PageRequest)`, the page always the trailing argument, and returns `Page<T>` (keyset,
//   newest first). A small bounded set (an app's environments, a tenant's roles) is `listAll…` and returns an array;
//   its interface says why it is bounded.
// - Deletes: `delete(…id)` removes one row that must exist and throws NotFoundError `not_found` when it does not (or
//   is another tenant's). Conditional and bulk deletes (`deleteBy…`, `reset`, `purge…`) return how many rows went.
//   Revoking one grant or session (`revoke`, `unassign`) returns whether it existed; bulk revocations return how many.
//   Single-use rows are `consume`d: the row (or true) for exactly one caller, else null (or false).
// - Tenancy: a method that finds or changes a tenant row by its own id or by a key a client presented (token hash,
//   email, username, slug) takes the scope first — `TenantScope` ({ appId, envId }), or the app id for tables with no
//   environment (environments, app session configs, revoked refresh tokens) — and another tenant's row is as if it did
//   not exist. A method that reaches rows through a parent the caller already resolved in its tenant (a user's
//   sessions, verifications or roles; a role's permissions) takes the parent's id only; a create carries the tenant in
//   its input. Unscoped on purpose: `sessions.findByTokenHash` (the hottest path: the engine compares the joined
//   session's tenant), `apps.*` (the app is the tenant, looked up before one is known), `rateLimits.*` (the caller
//   puts the tenant into the key) and `purgeExpired` (maintenance across tenants).
// - Time: every timestamp the store writes and every expiry it decides comes from the caller's clock (`now: Date`, the
//   trailing argument or a field of the input: a create's `createdAt`, see `Stamped`); the store never calls
//   `new Date()` or SQL `now()` itself. Column defaults (`DEFAULT now()` on created_at) only fill what a caller that
//   passes no `createdAt` leaves out; the engine always passes one.
// - Errors: a unique violation throws ConflictError with the code of its index (`email_taken`, `username_taken`,
//   `slug_taken`, else `conflict`) and the constraint name in `details.constraint` (for code that maps its own
//   constraints, see store/kit.ts; never serialised to clients); a missing referenced row throws ValidationError
//   `invalid_reference`; a lost connection throws UnavailableError `unavailable`; a bad page throws ValidationError
//   `invalid_page` / `invalid_cursor`. Nothing else of the driver escapes (other failures are AuthsomeError
//   `internal_error` with the original only as `cause`). The store throws no HTTP-shaped errors (no `invalid_request`
//   with `fields`): naming a request's field is the route's job.
// - Ids are generated (TypeIDs) when not given; tokens and codes are passed and looked up as their SHA-256 hex hashes,
//   never in the clear.
import type { AuthsomeError } from "../../errors.js";
import type { MigrationGroup } from "../../migrate/groups.js";
import type { AnyPgDatabase, MigrateResult } from "../../migrate/runner.js";
import type { AppSessionConfigsStore } from "./app-session-configs.js";
import type { AppsStore } from "./apps.js";
import type { AuditEventsStore } from "./audit-events.js";
import type { CeremoniesStore } from "./ceremonies.js";
import type { EnvironmentsStore } from "./environments.js";
import type { NotificationsStore } from "./notifications.js";
import type { PasswordResetsStore } from "./password-resets.js";
import type { RateLimitsStore } from "./rate-limits.js";
import type { RolesStore } from "./rbac.js";
import type { RevokedRefreshTokensStore, SessionsStore } from "./sessions.js";
import type { UsersStore } from "./users.js";
import type { VerificationsStore } from "./verifications.js";

export type { AppSessionConfig, AppSessionConfigsStore, AppSessionConfigValues } from "./app-session-configs.js";
export type { App, AppPatch, AppsStore, NewApp, TenantRecord } from "./apps.js";
export type { AuditEvent, AuditEventFilter, AuditEventsStore, NewAuditEvent } from "./audit-events.js";
export type { CeremoniesStore, Ceremony, NewCeremony, SignInAnswer, SignInAnswerInput } from "./ceremonies.js";
export type { Environment, EnvironmentPatch, EnvironmentsStore, NewEnvironment } from "./environments.js";
export type { NewNotification, Notification, NotificationsStore } from "./notifications.js";
export type { Page, PageRequest } from "./pages.js";
export type { NewPasswordReset, PasswordReset, PasswordResetsStore } from "./password-resets.js";
export type { RateLimitsStore, RateLimitState } from "./rate-limits.js";
export type { NewRole, PermissionCheck, Role, RoleAssignment, RolePatch, RolePermission, RolesStore, UserRole } from "./rbac.js";
export type {
  NewSession,
  RevokedRefreshToken,
  RevokedRefreshTokensStore,
  Session,
  SessionAudit,
  SessionCreationEffects,
  SessionRotation,
  SessionsStore,
  SessionWithUser,
} from "./sessions.js";
export type { TenantScope } from "./tenant.js";
export type { Stamped } from "./stamped.js";
export type { NewUser, User, UserFilter, UserPatch, UsersStore } from "./users.js";
export type { NewVerification, Verification, VerificationsStore } from "./verifications.js";

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

/** What `store.metrics()` reports. */
export interface StoreMetrics {
  /** `null` without a pool (PGlite: one connection). */
  pool: {
    /** Most connections the pool opens. */
    max: number;
    /** Open now (idle + in use). */
    total: number;
    idle: number;
    /** Queries and transactions waiting for a connection. */
    waiting: number;
    /** Turned away at once (503) because `maxWaiting` were already waiting. */
    refused: number;
    /** Connections that failed: connects that failed or timed out, and idle connections the server or network dropped. */
    errors: number;
  } | null;
}

/** The whole store: the sub-stores plus lifecycle. */
export interface Store extends StoreRepositories {
  /** Applies the core group and the given plugin groups (see `migrate`). */
  migrate(...groups: MigrationGroup[]): Promise<MigrateResult>;
  /** @throws UnavailableError when the database cannot be reached. */
  ping(): Promise<void>;
  /**
   * Checks once, at start, that the connection carries what the store relies on: behind a connection pooler
   * (PgBouncer) named prepared statements must be off unless they were asked for explicitly.
   * @throws ValidationError `invalid_config` naming what to set; UnavailableError when the database cannot be reached.
   */
  verify(): Promise<void>;
  /** The connection pool's figures, for monitoring. */
  metrics(): StoreMetrics;
  /** Releases the connections (ends the pool, or closes PGlite). */
  close(): Promise<void>;
}
